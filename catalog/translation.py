from modeltranslation.translator import TranslationOptions, register

from catalog.models.gifts import Gift


@register(Gift)
class GiftTranslationOptions(TranslationOptions):
    fields = ("name", "description", "link", "icon", "image")
