"""The DEBUG 500 page and error mails never print credentials held in a URL setting or header."""

from __future__ import annotations

import sys
import uuid

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

# Made at run time: the page quotes the source lines around the raise, and so would quote a literal.
SECRETS = (f"db-{uuid.uuid4().hex}", f"redis-{uuid.uuid4().hex}")
DATABASE_URL = f"postgres://giftoffice:{SECRETS[0]}@db.internal:5432/giftoffice"
REDIS_URL = f"redis://:{SECRETS[1]}@cache.internal:6379/0"
MASK = "********************"


def _exc_info():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return sys.exc_info()


@override_settings(
    DEBUG=True,
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    Q_CLUSTER={**settings.Q_CLUSTER, "redis": REDIS_URL},
)
def test_safe_settings_mask_the_credentials_of_url_settings_at_any_depth():
    safe = get_default_exception_reporter_filter().get_safe_settings()

    assert safe["DATABASE_URL"] == f"postgres://{MASK}@db.internal:5432/giftoffice"
    assert safe["REDIS_URL"] == f"redis://{MASK}@cache.internal:6379/0"
    assert safe["Q_CLUSTER"]["redis"] == f"redis://{MASK}@cache.internal:6379/0"
    # A URL without credentials is worth seeing while debugging: it stays as it is.
    assert safe["GAMESDROP_BASE_URL"] == settings.GAMESDROP_BASE_URL
    assert safe["STATIC_URL"] == "/static/"


@override_settings(
    DEBUG=True,
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    Q_CLUSTER={**settings.Q_CLUSTER, "redis": REDIS_URL},
)
@pytest.mark.parametrize("render", ["get_traceback_html", "get_traceback_text"])
def test_the_debug_500_page_shows_no_credentials_from_settings_or_the_environment(render):
    # runserver copies the process environment into the request's META.
    request = RequestFactory().get("/admin/", DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)

    page = getattr(ExceptionReporter(request, *_exc_info()), render)()

    assert "RuntimeError" in page
    assert "db.internal:5432/giftoffice" in page
    assert [secret for secret in SECRETS if secret in page] == []
