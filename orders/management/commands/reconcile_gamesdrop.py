from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from giftoffice.integrations.base import IntegrationError
from orders.services.reconcile import reconcile_gamesdrop

DEFAULT_DAYS = 7
# GamesDrop's history holds nothing older; an earlier bound only risks date arithmetic out of range.
EARLIEST_SINCE = date(2000, 1, 1)


class Command(BaseCommand):
    help = (
        "Match GamesDrop balance transactions against our orders: lists supplier purchases we have no "
        "order for and completed orders with no supplier transaction "
        f"(default: the last {DEFAULT_DAYS} days). "
        "Exit status 1 if anything does not match."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since", help=f"YYYY-MM-DD (midnight, server time zone), from {EARLIEST_SINCE} to today."
        )

    def handle(self, *args, since: str | None, **options) -> None:
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError(f"--since {since!r}: expected a date as YYYY-MM-DD") from exc
            if not EARLIEST_SINCE <= day <= timezone.localdate():
                raise CommandError(f"--since {since}: expected a date from {EARLIEST_SINCE} to today")
            start = timezone.make_aware(datetime.combine(day, time.min))
        else:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        try:
            result = reconcile_gamesdrop(since=start)
        except IntegrationError as exc:
            raise CommandError(f"reconcile_gamesdrop failed: {exc}") from exc
        for line in result.lines():
            self.stdout.write(line)
        if not result.clean:
            sys.exit(1)
