from django.core.management.base import BaseCommand, CommandError

from orders.services.poll_runs import poll_pass


class Command(BaseCommand):
    help = (
        "One pass over open supplier orders (recorded as an order poll run): status checks due, lookups "
        "of unknown outcomes, lost sends. Exit status 1 if the pass did not run (another one was alive)."
    )

    def handle(self, *args, **options) -> None:
        run, summary = poll_pass()
        if summary is None:
            # A scheduler or a script must see that nothing was polled, not a success.
            raise CommandError(f"poll_orders: not run: {run.message}")
        self.stdout.write(summary.summary())
