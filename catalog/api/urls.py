"""/external/ partner API routes (gift endpoints are added by the API module)."""

urlpatterns: list = []
