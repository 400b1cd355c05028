from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.management.failures import command_error
from catalog.management.progress import progress_bar
from catalog.models import SyncRun, SyncSource
from catalog.services.products import ProductSyncPlan, sync_products
from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    CatalogChangedError,
    RejectedError,
    UnavailableError,
)

# First match wins: CatalogChangedError is a BadResponseError, but the answers were readable.
_HINTS = (
    (CatalogChangedError, "Tribute's catalog changed while we paged through it, try again"),
    (AuthError, "Tribute refused the API key (check TRIBUTE_API_KEY)"),
    (UnavailableError, "Tribute is unavailable, try again later"),
    (BadResponseError, "Tribute sent an answer we cannot read"),
    (RejectedError, "Tribute rejected the request"),
)


class Command(BaseCommand):
    help = "Mirror the Tribute product catalog into the back-office (--dry-run only shows the changes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Fetch and compare, write nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        run = SyncRun.objects.create(source=SyncSource.TRIBUTE_PRODUCTS, trigger="command", dry_run=dry_run)
        try:
            with progress_bar(self.stdout, "Tribute products") as progress:
                run = sync_products(
                    run=run, dry_run=dry_run, progress=progress, on_plan=self._print_plan if dry_run else None
                )
        except Exception as exc:
            raise command_error(exc, command="sync_products", hints=_HINTS, run=run) from exc
        self.stdout.write(self.style.SUCCESS(f"Tribute products: {run.summary()} (sync run #{run.pk})"))

    def _print_plan(self, plan: ProductSyncPlan) -> None:
        for change in plan.changes:
            self.stdout.write(f"would {change.describe()}")
        if not plan.changes:
            self.stdout.write("nothing would change")
