"""Sandbox simulator of the partner API (to be built)."""

urlpatterns: list = []
