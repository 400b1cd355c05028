"""Partner sites' auth secrets are encrypted at rest; code and the admin still work with the plain value."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.models import PartnerSite
from giftoffice.crypto import decrypt
from tests.push.factories import PartnerSiteFactory

SECRET = "Api-Key very-secret-value-42"


def _stored(site_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_secret FROM catalog_partnersite WHERE id = %s", [site_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_column_holds_a_token_not_the_secret_and_the_model_reads_it_back():
    site = PartnerSiteFactory(auth_secret=SECRET)

    stored = _stored(site.pk)

    assert "very-secret" not in stored
    assert stored.startswith("fernet:")
    assert decrypt(stored) == SECRET
    assert PartnerSite.objects.get(pk=site.pk).auth_secret == SECRET


@pytest.mark.django_db
def test_the_admin_never_shows_the_secret(client):
    site = PartnerSiteFactory(auth_secret=SECRET)
    client.force_login(get_user_model().objects.create_superuser("staff", "s@example.com", "pw-tests-only"))

    pages = [
        client.get("/en/admin/catalog/partnersite/"),
        client.get(f"/en/admin/catalog/partnersite/{site.pk}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "very-secret" not in html
        assert "fernet:" not in html


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_in_plain_text_and_can_undo_it():
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0014_gift_text_limits_and_link_rules")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_partnersite (name, base_url, auth_header, auth_secret, timeout_seconds, "
            "batch_size, enabled, languages, created_at, updated_at) VALUES "
            "('old', 'https://shop.example', 'Authorization', %s, 20, 500, true, '[\"ro\"]', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            [SECRET],
        )
    site_id = PartnerSite.objects.values_list("pk", flat=True).get(name="old")
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("catalog", "0015_encrypt_partner_site_secrets")])
        assert decrypt(_stored(site_id)) == SECRET

        executor = MigrationExecutor(connection)
        executor.migrate([("catalog", "0014_gift_text_limits_and_link_rules")])
        assert _stored(site_id) == SECRET
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
