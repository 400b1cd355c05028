import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from giftoffice import crypto


def test_encrypt_round_trips_and_hides_the_plain_text():
    token = crypto.encrypt("KEY-1234-SECRET")
    assert token.startswith("fernet:")
    assert "KEY-1234-SECRET" not in token
    assert crypto.decrypt(token) == "KEY-1234-SECRET"


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_rotation_keeps_old_tokens_readable_and_reencrypts_under_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_a_value_that_is_not_a_token_is_refused():
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text")


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_the_field_refuses_unique_or_indexed_columns():
    with pytest.raises(ImproperlyConfigured):
        crypto.EncryptedTextField(unique=True)
