from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),  # the admin's language switcher posts here
    path("external/", include("catalog.api.urls")),
]
urlpatterns += i18n_patterns(path("admin/", admin.site.urls), prefix_default_language=False)

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("giftoffice.sandbox.urls")))

# The naive DRF views that `make bench` and `make load` measure beside ours (never in production).
if settings.NAIVE_API_ENABLED:
    urlpatterns.append(path("naive/external/", include("bench.naive")))

# Uploaded gift icons/images. In production a front proxy serves MEDIA_ROOT; this keeps the absolute
# URLs of the API working in the demo and in tests.
if settings.DEBUG or settings.TESTING or settings.SANDBOX_ENABLED:
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )
