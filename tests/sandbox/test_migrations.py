"""The sandbox's migrations are one squashed migration; databases made with the originals keep working."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

SQUASHED = ("sandbox", "0001_squashed_0007_sandbox_tables")
ORIGINALS = [
    "0001_initial",
    "0002_partner_remote_gift",
    "0003_suppliers",
    "0004_gamesdrop",
    "0005_verbose_names_i18n",
    "0006_fault_hang_delay_past_the_read_timeout",
    "0007_fault_path_segments_remaining_at_least_one",
]


def test_a_fresh_database_builds_the_sandbox_from_one_compact_migration():
    loader = MigrationLoader(None)

    on_disk = sorted(name for app, name in loader.disk_migrations if app == "sandbox")
    squashed = loader.disk_migrations[SQUASHED]
    assert on_disk == [SQUASHED[1]]
    assert squashed.replaces == [("sandbox", name) for name in ORIGINALS]
    assert len(squashed.operations) < 15


@pytest.mark.django_db
def test_a_database_migrated_with_the_original_migrations_has_nothing_left_to_apply():
    # given: the migration records of a database made before the squash
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*SQUASHED)
    for name in ORIGINALS:
        recorder.record_applied("sandbox", name)

    # when
    executor = MigrationExecutor(connection)

    # then
    assert SQUASHED in executor.loader.applied_migrations
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
