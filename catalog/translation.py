from modeltranslation.translator import TranslationOptions, register

from catalog.models.gifts import Gift


@register(Gift)
class GiftTranslationOptions(TranslationOptions):
    fields = ("name", "description", "link", "icon", "image")
    # Every gift needs a name in the default language (the API requires name_ro too); the rest is
    # optional and its absence shows in the admin's completeness column.
    required_languages = {"ro": ("name",), "default": ()}
