from django.core.management.base import BaseCommand

from orders.services.poll_runs import poll_pass


class Command(BaseCommand):
    help = (
        "One pass over open supplier orders (recorded as an order poll run): status checks due, lookups "
        "of unknown outcomes, lost sends."
    )

    def handle(self, *args, **options) -> None:
        run, summary = poll_pass()
        self.stdout.write(summary.summary() if summary else f"poll_orders: not run: {run.message}")
