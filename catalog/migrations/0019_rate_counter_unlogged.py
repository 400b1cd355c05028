"""The rate counters' table unlogged on PostgreSQL: a counter's commit then waits for no WAL flush (a
hit costs a tenth of a logged one), and a crash or a failover only empties it, which starts every
window afresh. SQLite has no such thing (its WAL with synchronous=NORMAL does not flush on commit)."""

from django.db import migrations


def _alter(persistence: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("catalog", "RateCounter")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {persistence}")

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0018_offer_retail_currency")]

    operations = [migrations.RunPython(_alter("UNLOGGED"), _alter("LOGGED"))]
