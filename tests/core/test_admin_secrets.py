"""No admin page shows a secret or key in clear: not to a user who may only view, not to a superuser.

The models and admins are discovered, not listed: every registered admin whose model (or an inline's
model) has a secret field (giftoffice.crypto.secret_field_names) is walked, so a new secret field is
covered as soon as it exists.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse

from catalog.models import PartnerApiKey, PartnerSite
from giftoffice.admin_mixins import MASK
from giftoffice.crypto import secret_field_names
from giftoffice.sandbox.models import GamesDropOrder
from orders.models import SupplierOrder
from tests.core.factories import PartnerApiKeyFactory, SandboxGamesDropOrderFactory, SupplierOrderFactory
from tests.push.factories import PartnerSiteFactory, UserFactory

User = get_user_model()

# Django's own models cannot declare SECRET_FIELDS. The user admin shows the password hash summarised,
# and is held to it; sessions have no admin page, and must keep none that shows them.
EXTRA_SECRETS: dict[type[models.Model], tuple[str, ...]] = {
    User: ("password",),
    Session: ("session_key", "session_data"),
}

FACTORIES = {
    PartnerSite: PartnerSiteFactory,
    PartnerApiKey: PartnerApiKeyFactory,
    SupplierOrder: SupplierOrderFactory,
    GamesDropOrder: SandboxGamesDropOrderFactory,
    User: UserFactory,
}

# Fields named like a secret that are not one, and why.
NOT_SECRETS = {
    ("catalog.Offer", "returns_key"): "a flag: whether the offer's supplier answers with a key",
    ("catalog.OfferFeedState", "key"): "the name of a feed",
    ("catalog.RateCounter", "counter_key"): "the name of a rate-limit bucket",
    ("django_q.OrmQ", "key"): "the name of the cluster's queue",
    ("orders.PurchaseKey", "key"): "a one-time confirmation token or a script's idempotency key: it buys "
    "nothing by itself (only its first use does, by its owner) and grants no access",
}
SECRET_LIKE_NAME = re.compile(r"secret|token|passw|credential|hash|(^|_)key($|_)", re.IGNORECASE)


def secrets_of(model: type[models.Model]) -> tuple[str, ...]:
    return (*secret_field_names(model), *EXTRA_SECRETS.get(model, ()))


def admins_with_secrets() -> list[tuple[type[models.Model], type[models.Model]]]:
    """(model of the admin, model holding the secret): the admin's own model or an inline's."""
    found = []
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        holders = [model, *(inline.model for inline in admin.site.get_model_admin(model).inlines)]
        found += [(model, holder) for holder in holders if secrets_of(holder)]
    return found


ADMINS = admins_with_secrets()


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _parent(model: type[models.Model], holder: type[models.Model], obj: models.Model) -> models.Model:
    if holder is model:
        return obj
    (link,) = [f for f in holder._meta.concrete_fields if f.is_relation and f.related_model is model]
    return getattr(obj, link.name)


def _url(model: type[models.Model], page: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _view_only_user(*models_: type[models.Model]) -> models.Model:
    return UserFactory(permissions=[f"{m._meta.app_label}.view_{m._meta.model_name}" for m in set(models_)])


def test_the_walk_finds_every_model_with_a_secret():
    assert {(_label(model), _label(holder)) for model, holder in ADMINS} >= {
        ("catalog.PartnerSite", "catalog.PartnerSite"),
        ("catalog.PartnerApiKey", "catalog.PartnerApiKey"),
        ("catalog.Partner", "catalog.PartnerApiKey"),
        ("orders.SupplierOrder", "orders.SupplierOrder"),
        ("orders.Sale", "orders.SupplierOrder"),
        ("sandbox.GamesDropOrder", "sandbox.GamesDropOrder"),
    }


def test_every_field_named_like_a_secret_is_declared_one():
    undeclared = [
        f"{_label(model)}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if SECRET_LIKE_NAME.search(field.name)
        and field.name not in secrets_of(model)
        and (_label(model), field.name) not in NOT_SECRETS
    ]

    assert undeclared == [], "declare them in the model's SECRET_FIELDS (or in NOT_SECRETS with why)"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["view-only", "superuser"])
@pytest.mark.parametrize(("model", "holder"), ADMINS, ids=[f"{_label(m)}-{_label(h)}" for m, h in ADMINS])
def test_no_admin_page_shows_a_secret(model, holder, who):
    # given: a row whose every secret is a value found nowhere else
    assert holder in FACTORIES, f"add a factory for {_label(holder)} to FACTORIES"
    obj = FACTORIES[holder]()
    values = {name: f"sx{uuid.uuid4().hex}" for name in secrets_of(holder)}
    holder._default_manager.filter(pk=obj.pk).update(**values)
    parent = _parent(model, holder, obj)
    user = UserFactory(is_superuser=True) if who == "superuser" else _view_only_user(model, holder)
    client = Client()
    client.force_login(user)
    # when
    pages = {
        "list": client.get(_url(model, "changelist")),
        "change": client.get(_url(model, "change", parent.pk)),
        "history": client.get(_url(model, "history", parent.pk)),
    }
    searched = {}
    for value in values.values():
        searched[f"search {value}"] = value
        pages[f"search {value}"] = client.get(f"{_url(model, 'changelist')}?{urlencode({'q': value})}")
    model_admin = admin.site.get_model_admin(model)
    if who == "superuser" and model_admin.has_delete_permission(pages["change"].wsgi_request, parent):
        pages["delete"] = client.get(_url(model, "delete", parent.pk))
    # then
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    # A search page repeats what was typed in its search box; only the rest of it counts.
    html = {name: page.content.decode().replace(searched.get(name, "\0"), "") for name, page in pages.items()}
    shown = {name: [secret for secret in values.values() if secret in text] for name, text in html.items()}
    assert shown == {name: [] for name in pages}
    assert [name for name, text in html.items() if "fernet:" in text] == []
    if holder is model and model_admin.search_fields:
        # A search on a secret would confirm a guessed value: it finds nothing.
        assert [pages[name].context["cl"].result_count for name in searched] == [0] * len(searched)


@pytest.mark.django_db
def test_a_view_only_user_sees_the_partner_sites_secret_masked():
    site = PartnerSiteFactory(auth_secret="Api-Key view-only-must-not-see")
    client = Client()
    client.force_login(_view_only_user(PartnerSite))

    page = client.get(f"/en/admin/catalog/partnersite/{site.pk}/change/").content.decode()

    assert "view-only-must-not-see" not in page
    row = re.search(r'<div class="form-row field-auth_secret_masked">(.*?)</div>\s*</div>', page, re.S)
    assert row, "no auth header value row"
    assert "Auth header value" in row.group(1)
    assert MASK in row.group(1)


@pytest.mark.django_db
def test_replacing_a_secret_leaves_it_out_of_the_history_and_keeping_it_is_no_change():
    site = PartnerSiteFactory(name="shop", auth_secret="Api-Key old-value")
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    url = f"/en/admin/catalog/partnersite/{site.pk}/change/"
    form = {
        "name": "shop",
        "base_url": site.base_url,
        "auth_header": site.auth_header,
        "timeout_seconds": "5",
        "batch_size": "500",
        "enabled": "on",
        "languages": ["ro", "ru", "en", "uk"],
    }

    kept = client.post(url, {**form, "auth_secret": "", "batch_size": "400"})
    replaced = client.post(url, {**form, "auth_secret": "Api-Key new-value", "batch_size": "400"})

    assert (kept.status_code, replaced.status_code) == (302, 302)
    site.refresh_from_db()
    assert site.auth_secret == "Api-Key new-value"
    entries = LogEntry.objects.filter(object_id=str(site.pk)).order_by("pk")
    assert [(entry.object_repr, entry.get_change_message()) for entry in entries] == [
        ("shop", "Changed Batch size."),
        ("shop", "Changed Auth header value."),
    ]
    history = client.get(f"/en/admin/catalog/partnersite/{site.pk}/history/").content.decode()
    assert "Changed Auth header value." in history
    assert [value for value in ("old-value", "new-value") if value in history] == []
