"""Encryption at rest for secrets we must read back (partner-site credentials, activation keys).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) rather than anything hand-rolled. Keys come from
`FIELD_ENCRYPTION_KEYS` (comma-separated Fernet keys, newest first): MultiFernet encrypts with the first and
decrypts with any, so a key can be rotated without a flag day (`rotate()` re-encrypts a value under the
newest key). Without the setting a fixed demo key is used, and the settings refuse that outside
DEBUG/testing, so production never runs on a key that is in the repository.

`EncryptedTextField` stores the token in a text column and hands Python code the plain text; a lookup
by value cannot work on ciphertext, so the field refuses to be indexed or unique.

`secret_field_names(model)` names the fields no page may show: every `EncryptedTextField`, and the
fields a model lists in its `SECRET_FIELDS` (a secret kept in plain text or as a hash, e.g. the
simulator's activation keys, API key hashes). The admin masks them (`giftoffice.admin_mixins`).
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["DecryptionError", "EncryptedTextField", "decrypt", "encrypt", "rotate", "secret_field_names"]

# Public on purpose: it only protects demo and test databases. settings.py refuses it in production.
DEMO_KEY = "ZGVtby1rZXktbm90LWZvci1wcm9kdWN0aW9uLTMyYnk="

TOKEN_PREFIX = "fernet:"


class DecryptionError(Exception):
    """The stored token was not made by any configured key (wrong key, or the column was edited by hand)."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 32-byte Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def _keys() -> MultiFernet:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or (DEMO_KEY,))
    return _fernet(keys)


def encrypt(plain: str) -> str:
    return TOKEN_PREFIX + _keys().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(TOKEN_PREFIX):
        raise DecryptionError("value is not an encrypted token")
    try:
        return _keys().decrypt(token.removeprefix(TOKEN_PREFIX).encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("no configured FIELD_ENCRYPTION_KEYS key opens this value") from exc


def rotate(token: str) -> str:
    return TOKEN_PREFIX + _keys().rotate(token.removeprefix(TOKEN_PREFIX).encode()).decode()


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the plain text ("" stays "", None stays None)."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("unique") or kwargs.get("db_index"):
            raise ImproperlyConfigured("EncryptedTextField cannot be unique or indexed: the tokens differ")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def secret_field_names(model: type[models.Model]) -> tuple[str, ...]:
    """The model's fields holding a secret or key: encrypted ones, and those named in `SECRET_FIELDS`."""
    named = set(getattr(model, "SECRET_FIELDS", ()))
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField) or field.name in named
    )
