from django.core.management.base import BaseCommand

from orders.services.polling import poll_orders


class Command(BaseCommand):
    help = "One pass over open supplier orders: status checks due, lookups of unknown outcomes, lost sends."

    def handle(self, *args, **options) -> None:
        self.stdout.write(poll_orders().summary())
