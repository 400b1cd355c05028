import os

from django.core.management.base import BaseCommand

from giftoffice import demo


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print an admin login."

    def handle(self, *args, **options) -> None:
        for title, step in demo.STEPS:
            self.stdout.write(f"{title}: {step()}")
        username, password = demo.ensure_admin(password=os.environ.get("DEMO_ADMIN_PASSWORD") or None)
        self.stdout.write(self.style.SUCCESS(f"Admin login: {username} / {password}"))
