from django.core.management.base import BaseCommand

from giftoffice.schedules import ensure_all_schedules


class Command(BaseCommand):
    help = "Create or update every django-q2 schedule: catalog syncs and order polling (idempotent)."

    def handle(self, *args, **options) -> None:
        for schedule in ensure_all_schedules():
            args = f"({schedule.args})" if schedule.args else "()"
            self.stdout.write(f"{schedule.name}: every {schedule.minutes} min -> {schedule.func}{args}")
