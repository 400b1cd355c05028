from django.contrib import admin

from giftoffice.sandbox.models import Fault


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    """Staff drills: arm a fault here and watch how the back-office copes."""

    list_display = ["provider", "path", "kind", "remaining", "fired", "delay_seconds", "created_at"]
    list_filter = ["provider", "kind"]
