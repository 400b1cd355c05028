"""A test admin site: every model registered on the real one, plus the Gift admin with the push hooks.

If catalog/admin/gifts.py has not registered Gift yet, a plain ModelAdmin stands in for it.
"""

from django.contrib import admin
from django.urls import include, path

from catalog.admin.partner_sites import install_gift_admin_hooks
from catalog.models import Gift

site = admin.AdminSite(name="pushtest")
for model, model_admin in admin.site._registry.items():
    site.register(model, type(model_admin))
if Gift not in site._registry:
    site.register(Gift, install_gift_admin_hooks(type("GiftAdmin", (admin.ModelAdmin,), {})))
else:
    install_gift_admin_hooks(type(site._registry[Gift]))

urlpatterns = [
    path("admin/", site.urls),
    path("sandbox/", include("giftoffice.sandbox.urls")),
]
