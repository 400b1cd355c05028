"""Mounted at /sandbox/ only when GIFTOFFICE_SANDBOX=1. Each provider module owns its urlpatterns."""

from django.urls import include, path

from giftoffice.sandbox import control

urlpatterns = [
    path("_control/faults/", control.faults_view, name="sandbox-faults"),
    path("giftly/", include("giftoffice.sandbox.providers.giftly")),
    path("gamesdrop/", include("giftoffice.sandbox.providers.gamesdrop")),
    path("tribute/", include("giftoffice.sandbox.providers.tribute")),
    path("telegram/", include("giftoffice.sandbox.providers.telegram")),
    path("partner/", include("giftoffice.sandbox.providers.partner")),
]
