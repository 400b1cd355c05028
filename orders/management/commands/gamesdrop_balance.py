from django.core.management.base import BaseCommand, CommandError

from giftoffice.integrations.base import IntegrationError
from orders.services.balance import gamesdrop_balance


class Command(BaseCommand):
    help = "Print the GamesDrop balance (USD), the reserved draft balance, and warn when it is low."

    def handle(self, *args, **options) -> None:
        try:
            info = gamesdrop_balance()
        except IntegrationError as exc:
            raise CommandError(f"gamesdrop_balance failed: {exc}") from exc
        self.stdout.write(info.line())
        if info.low:
            self.stderr.write(f"warning: balance below GAMESDROP_LOW_BALANCE_USD ({info.threshold} USD)")
