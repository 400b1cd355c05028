from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from catalog.models.gifts import Gift


@register(Gift)
class GiftTranslationOptions(TranslationOptions):
    fields = ("name", "description", "link", "icon", "image")
    # Every gift needs a name in the default language (the API requires name_ro too); the rest is
    # optional and its absence shows in the admin's completeness column.
    required_languages = {settings.MODELTRANSLATION_DEFAULT_LANGUAGE: ("name",), "default": ()}


# --- Supplier catalogs -------------------------------------------------------------------------------
from catalog.models.products import FEED_LANGUAGE, Product, TelegramGift  # noqa: E402


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    """The sync fills the FEED_LANGUAGE (ru) column; other languages show it until staff translate."""

    fields = ("name", "description")
    fallback_languages = {"default": (FEED_LANGUAGE, settings.MODELTRANSLATION_DEFAULT_LANGUAGE)}


@register(TelegramGift)
class TelegramGiftTranslationOptions(TranslationOptions):
    fields = ("name",)
