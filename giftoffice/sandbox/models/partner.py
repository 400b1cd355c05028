"""The simulated partner site's own gift table (what a real site behind /external/gift/ would store).

One column per language and field, as the document's wire format names them, so the admin shows
exactly what the back-office pushed.
"""

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

__all__ = ["PartnerRemoteGift"]


class PartnerRemoteGift(models.Model):
    """A gift on the sandbox partner site; its primary key is the `id` the API answers with."""

    icon_ro = models.CharField(format_lazy("{} [ro]", _("icon")), max_length=1000, null=True, blank=True)
    icon_ru = models.CharField(format_lazy("{} [ru]", _("icon")), max_length=1000, null=True, blank=True)
    icon_en = models.CharField(format_lazy("{} [en]", _("icon")), max_length=1000, null=True, blank=True)
    icon_uk = models.CharField(format_lazy("{} [uk]", _("icon")), max_length=1000, null=True, blank=True)
    image_ro = models.CharField(format_lazy("{} [ro]", _("image")), max_length=1000, null=True, blank=True)
    image_ru = models.CharField(format_lazy("{} [ru]", _("image")), max_length=1000, null=True, blank=True)
    image_en = models.CharField(format_lazy("{} [en]", _("image")), max_length=1000, null=True, blank=True)
    image_uk = models.CharField(format_lazy("{} [uk]", _("image")), max_length=1000, null=True, blank=True)
    name_ro = models.CharField(format_lazy("{} [ro]", _("name")), max_length=255)
    name_ru = models.CharField(format_lazy("{} [ru]", _("name")), max_length=255, null=True, blank=True)
    name_en = models.CharField(format_lazy("{} [en]", _("name")), max_length=255, null=True, blank=True)
    name_uk = models.CharField(format_lazy("{} [uk]", _("name")), max_length=255, null=True, blank=True)
    link_ro = models.CharField(
        format_lazy("{} [ro]", _("partner link")), max_length=1000, null=True, blank=True
    )
    link_ru = models.CharField(
        format_lazy("{} [ru]", _("partner link")), max_length=1000, null=True, blank=True
    )
    link_en = models.CharField(
        format_lazy("{} [en]", _("partner link")), max_length=1000, null=True, blank=True
    )
    link_uk = models.CharField(
        format_lazy("{} [uk]", _("partner link")), max_length=1000, null=True, blank=True
    )
    description_ro = models.TextField(format_lazy("{} [ro]", _("description")), null=True, blank=True)
    description_ru = models.TextField(format_lazy("{} [ru]", _("description")), null=True, blank=True)
    description_en = models.TextField(format_lazy("{} [en]", _("description")), null=True, blank=True)
    description_uk = models.TextField(format_lazy("{} [uk]", _("description")), null=True, blank=True)
    start_time = models.DateTimeField(_("start time"))
    removal_time = models.DateTimeField(_("removal time"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("partner site gift")
        verbose_name_plural = _("partner site gifts")

    def __str__(self) -> str:
        return f"#{self.pk} {self.name_ro}"
