"""What Django's error pages and error mails may show of the settings and the request.

Django's `SafeExceptionReporterFilter` hides settings by name (KEY, TOKEN, PASS, ...) but not a
connection URL carrying its own credentials: `DATABASE_URL`, `REDIS_URL`, Q_CLUSTER's `redis` or
CACHES' `LOCATION` would be printed in full on the DEBUG 500 page, and so would any such URL a process
environment hands to the request's META (runserver copies the environment there).
"""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

__all__ = ["URL_CREDENTIALS", "CredentialsCleansingFilter"]

# scheme://userinfo@ : the user and password part of any URL, wherever it stands in a value.
URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)[^/?#@\s]*@", re.IGNORECASE)


class CredentialsCleansingFilter(SafeExceptionReporterFilter):
    """Django's filter, plus the user:password of every URL in a setting or a request header masked."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            return URL_CREDENTIALS.sub(lambda match: f"{match['scheme']}{self.cleansed_substitute}@", value)
        return value
