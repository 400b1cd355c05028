"""The one-line refusal of a push or pull (bad ids, a disabled site, a site busy with another run)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext


class PushError(Exception):
    """A push or pull that cannot start; the message is one readable line.

    `str()` is English (command output, logs); `localized()` is the same line in the active language,
    for the admin. `message` is a msgid marked with gettext_noop, `params` fill its placeholders.
    """

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        with translation.override("en"):
            super().__init__(message % params)

    def localized(self) -> str:
        return gettext(self.message) % self.params
