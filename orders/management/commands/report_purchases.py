import json

from django.core.management.base import BaseCommand

from orders.services import reports


class Command(BaseCommand):
    help = "Send the pending Telegram purchase reports once and print a summary (--dry-run: print payloads)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if dry_run:
            bodies = reports.preview_pending_reports()
            for body in bodies:
                self.stdout.write(json.dumps(body, ensure_ascii=False))
            self.stdout.write(f"dry run: {len(bodies)} report(s) would be sent")
            return
        self.stdout.write(reports.send_pending_reports().summary())
