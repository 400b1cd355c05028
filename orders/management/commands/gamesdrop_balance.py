from django.core.management.base import BaseCommand, CommandError

from orders.services.balance import BalanceInfo, refresh_gamesdrop_balance


class Command(BaseCommand):
    help = (
        "Read the GamesDrop balance now (USD), print it with the reserved draft balance, warn when it is "
        "low, and store the reading the admin shows."
    )

    def handle(self, *args, **options) -> None:
        reading = refresh_gamesdrop_balance()
        if not reading.ok:
            raise CommandError(f"gamesdrop_balance failed: {reading.error}")
        info = BalanceInfo.from_reading(reading)
        self.stdout.write(info.line())
        if info.low:
            self.stderr.write(f"warning: balance below GAMESDROP_LOW_BALANCE_USD ({info.threshold} USD)")
