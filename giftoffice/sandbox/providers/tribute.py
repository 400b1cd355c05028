"""Sandbox simulator of the tribute API (to be built)."""

urlpatterns: list = []
