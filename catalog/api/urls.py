"""/external/ partner API routes (mounted by giftoffice/urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.api import views

gift_urlpatterns = [
    path("gift/", views.GiftListView.as_view(), name="gift-list"),
    path("gift/bulk-create/", views.GiftBulkCreateView.as_view(), name="gift-bulk-create"),
    path("gift/bulk-update/", views.GiftBulkUpdateView.as_view(), name="gift-bulk-update"),
    path("gift/<int:pk>/", views.GiftDetailView.as_view(), name="gift-detail"),
]

urlpatterns = [
    *gift_urlpatterns,
    # The schema documents only the gift endpoints, under their real /external/ paths.
    path(
        "schema/",
        SpectacularAPIView.as_view(patterns=[path("external/", include(gift_urlpatterns))]),
        name="gift-api-schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="gift-api-schema"), name="gift-api-docs"),
]
