"""Sandbox simulator of the giftly API (to be built)."""

urlpatterns: list = []
