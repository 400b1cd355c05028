"""A partial index of the servable gifts' ids: the whole list's count (its ETag, X-Total-Count, a 304)
is an index-only scan of it instead of a read of every row (catalog.selectors.gift_list_stats_sql).

Its predicate is written exactly as the list's filter (GiftListFilter.servable_only, the default
language's name not empty), so both databases' planners match it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_rate_counters")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX catalog_gift_servable_id ON catalog_gift (id) WHERE name_ro <> ''",
            reverse_sql="DROP INDEX catalog_gift_servable_id",
        ),
    ]
