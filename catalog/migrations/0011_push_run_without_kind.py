"""PushRun records pushes only (its pull rows moved to PullRun in 0010).

A migration of its own: PostgreSQL refuses to alter a table in the transaction that just moved its rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_one_run_lifecycle")]

    operations = [migrations.RemoveField(model_name="pushrun", name="kind")]
