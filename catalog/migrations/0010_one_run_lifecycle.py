"""SyncRun and PushRun on the shared giftoffice.runs.Run; pull runs move to their own PullRun table.

Data: pull rows of PushRun become PullRun rows (new ids; the history is kept), push statuses take the
shared names (pending -> queued, partial -> partly_failed), SyncRun.error becomes `message`, and
PushRun.source / requested_by become `trigger` / `triggered_by`.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUS_CHOICES = [
    ("queued", "queued"),
    ("running", "running"),
    ("succeeded", "succeeded"),
    ("partly_failed", "partly failed"),
    ("failed", "failed"),
]
TRIGGER_CHOICES = [
    ("admin", "admin"),
    ("command", "command"),
    ("schedule", "schedule"),
    ("queue", "queue"),
    ("demo", "demo"),
]
RENAMED_STATUSES = {"pending": "queued", "partial": "partly_failed"}
COPIED = [
    "status", "trigger", "triggered_by_id", "dry_run", "created_at", "started_at", "finished_at",
    "claimed_by", "heartbeat_at", "total", "done", "errors", "message",
    "created", "updated", "skipped", "failed", "site_id",
]  # fmt: skip


def forwards(apps, schema_editor):
    PushRun = apps.get_model("catalog", "PushRun")
    PullRun = apps.get_model("catalog", "PullRun")
    for old, new in RENAMED_STATUSES.items():
        PushRun.objects.filter(status=old).update(status=new)
    PushRun.objects.exclude(trigger__in=[value for value, _label in TRIGGER_CHOICES]).update(
        trigger="command"
    )
    pulls = PushRun.objects.filter(kind="pull").order_by("id")
    for run in pulls.iterator():
        pull = PullRun(**{name: getattr(run, name) for name in COPIED})
        pull.save()
        PullRun.objects.filter(pk=pull.pk).update(created_at=run.created_at)  # auto_now_add overwrote it
    pulls.delete()


def backwards(apps, schema_editor):
    PushRun = apps.get_model("catalog", "PushRun")
    PullRun = apps.get_model("catalog", "PullRun")
    for pull in PullRun.objects.order_by("id").iterator():
        run = PushRun(kind="pull", **{name: getattr(pull, name) for name in COPIED})
        run.save()
        PushRun.objects.filter(pk=run.pk).update(created_at=pull.created_at)
    for old, new in RENAMED_STATUSES.items():
        PushRun.objects.filter(status=new).update(status=old)


def run_fields():
    return [
        ("status", models.CharField(choices=STATUS_CHOICES, db_index=True, default="queued", max_length=20, verbose_name="status")),
        ("trigger", models.CharField(choices=TRIGGER_CHOICES, default="command", max_length=20, verbose_name="trigger")),
        ("dry_run", models.BooleanField(default=False, verbose_name="dry run")),
        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="queued at")),
        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started")),
        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
        ("claimed_by", models.CharField(blank=True, help_text="The queued task or the process (pid@host) working on the run.", max_length=200, verbose_name="claimed by")),
        ("heartbeat_at", models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat")),
        ("total", models.PositiveIntegerField(default=0, verbose_name="total")),
        ("done", models.PositiveIntegerField(default=0, verbose_name="done")),
        ("errors", models.JSONField(blank=True, default=list, verbose_name="errors")),
        ("message", models.TextField(blank=True, help_text="Why the whole run failed, if it did.", verbose_name="message")),
    ]  # fmt: skip


def altered(model_name):
    return [
        migrations.AlterField(model_name=model_name, name=name, field=field)
        for name, field in run_fields()
        if name not in ("trigger",)
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_api_client_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- SyncRun ---
        migrations.RenameField(model_name="syncrun", old_name="error", new_name="message"),
        migrations.AddField(
            model_name="syncrun",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=200, verbose_name="claimed by"),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat"),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="total",
            field=models.PositiveIntegerField(default=0, verbose_name="total"),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="done",
            field=models.PositiveIntegerField(default=0, verbose_name="done"),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="errors",
            field=models.JSONField(blank=True, default=list, verbose_name="errors"),
        ),
        *altered("syncrun"),
        migrations.AlterField(
            model_name="syncrun",
            name="trigger",
            field=models.CharField(
                choices=TRIGGER_CHOICES, default="command", max_length=20, verbose_name="trigger"
            ),
        ),
        # --- PushRun: shared names, then its pull rows move out ---
        migrations.RenameField(model_name="pushrun", old_name="source", new_name="trigger"),
        migrations.RenameField(model_name="pushrun", old_name="requested_by", new_name="triggered_by"),
        migrations.RemoveField(model_name="pushrun", name="claimed_at"),
        *altered("pushrun"),
        migrations.AlterField(
            model_name="pushrun",
            name="trigger",
            field=models.CharField(
                choices=TRIGGER_CHOICES, default="command", max_length=20, verbose_name="trigger"
            ),
        ),
        migrations.AlterField(
            model_name="pushrun",
            name="triggered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="triggered by",
            ),
        ),
        migrations.AlterField(
            model_name="pushrun",
            name="site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="push_runs",
                to="catalog.partnersite",
                verbose_name="site",
            ),
        ),
        migrations.CreateModel(
            name="PullRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                *run_fields(),
                ("created", models.PositiveIntegerField(default=0, verbose_name="created")),
                ("updated", models.PositiveIntegerField(default=0, verbose_name="updated")),
                ("skipped", models.PositiveIntegerField(default=0, verbose_name="skipped")),
                ("failed", models.PositiveIntegerField(default=0, verbose_name="failed")),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pull_runs",
                        to="catalog.partnersite",
                        verbose_name="site",
                    ),
                ),
                (
                    "triggered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="triggered by",
                    ),
                ),
            ],
            options={
                "verbose_name": "pull run",
                "verbose_name_plural": "pull runs",
                "ordering": ["-created_at", "-id"],
                "abstract": False,
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddField(
            model_name="giftpublication",
            name="create_sent_above_id",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="highest remote id before the create"
            ),
        ),
    ]
