"""Sandbox simulator of the gamesdrop API (to be built)."""

urlpatterns: list = []
