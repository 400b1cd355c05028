# Partner sites' auth secrets encrypted at rest: the column becomes text holding Fernet tokens, and the
# values already stored in plain text are encrypted in place (reversible: decrypted back).

import django.core.validators
from django.db import migrations

import giftoffice.crypto


def _rewrite(apps, schema_editor, *, encrypting: bool) -> None:
    # Raw SQL: the historical model's field would try to decrypt the plain values on read.
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    table = qn("catalog_partnersite")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, auth_secret FROM {table} WHERE auth_secret <> ''")  # noqa: S608
        rows = cursor.fetchall()
        for pk, value in rows:
            if encrypting == giftoffice.crypto.is_encrypted(value):
                continue
            new = giftoffice.crypto.encrypt(value) if encrypting else giftoffice.crypto.decrypt(value)
            cursor.execute(f"UPDATE {table} SET auth_secret = %s WHERE id = %s", [new, pk])  # noqa: S608


def encrypt_secrets(apps, schema_editor):
    _rewrite(apps, schema_editor, encrypting=True)


def decrypt_secrets(apps, schema_editor):
    _rewrite(apps, schema_editor, encrypting=False)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0014_gift_text_limits_and_link_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partnersite",
            name="auth_secret",
            field=giftoffice.crypto.EncryptedTextField(
                blank=True,
                help_text="Sent as the value of the auth header, e.g. 'Api-Key …'. Never shown again once saved.",
                validators=[django.core.validators.MaxLengthValidator(500)],
                verbose_name="auth header value",
            ),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
