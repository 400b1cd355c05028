from django.apps import AppConfig
from django.core.signals import request_finished
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from catalog.services.api_keys import touch_deferred_key

        # Bookkeeping after the answer is sent (a read's key use), not business flow: Django's one public
        # hook that runs once the response is closed.
        request_finished.connect(touch_deferred_key, dispatch_uid="catalog.touch_deferred_key")
