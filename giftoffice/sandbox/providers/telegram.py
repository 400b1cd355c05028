"""Sandbox simulator of the telegram API (to be built)."""

urlpatterns: list = []
