from django.core.management.base import BaseCommand

from catalog.services.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of the catalog syncs (idempotent)."

    def handle(self, *args, **options) -> None:
        for schedule in ensure_schedules():
            self.stdout.write(
                f"{schedule.name}: every {schedule.minutes} min -> {schedule.func}({schedule.args})"
            )
