"""The simulated partner site's own gift table (what a real site behind /external/gift/ would store).

One column per language and field, as the document's wire format names them, so the admin shows
exactly what the back-office pushed.
"""

from django.db import models

__all__ = ["PartnerRemoteGift"]


class PartnerRemoteGift(models.Model):
    """A gift on the sandbox partner site; its primary key is the `id` the API answers with."""

    icon_ro = models.CharField(max_length=1000, null=True, blank=True)
    icon_ru = models.CharField(max_length=1000, null=True, blank=True)
    icon_en = models.CharField(max_length=1000, null=True, blank=True)
    icon_uk = models.CharField(max_length=1000, null=True, blank=True)
    image_ro = models.CharField(max_length=1000, null=True, blank=True)
    image_ru = models.CharField(max_length=1000, null=True, blank=True)
    image_en = models.CharField(max_length=1000, null=True, blank=True)
    image_uk = models.CharField(max_length=1000, null=True, blank=True)
    name_ro = models.CharField(max_length=255)
    name_ru = models.CharField(max_length=255, null=True, blank=True)
    name_en = models.CharField(max_length=255, null=True, blank=True)
    name_uk = models.CharField(max_length=255, null=True, blank=True)
    link_ro = models.CharField(max_length=1000, null=True, blank=True)
    link_ru = models.CharField(max_length=1000, null=True, blank=True)
    link_en = models.CharField(max_length=1000, null=True, blank=True)
    link_uk = models.CharField(max_length=1000, null=True, blank=True)
    description_ro = models.TextField(null=True, blank=True)
    description_ru = models.TextField(null=True, blank=True)
    description_en = models.TextField(null=True, blank=True)
    description_uk = models.TextField(null=True, blank=True)
    start_time = models.DateTimeField()
    removal_time = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "partner site gift"
        verbose_name_plural = "partner site gifts"

    def __str__(self) -> str:
        return f"#{self.pk} {self.name_ro}"
