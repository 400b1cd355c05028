from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.management.failures import command_error
from catalog.management.progress import progress_bar
from catalog.services.offers import OfferSyncPlan, UnknownCategoryError, sync_offers


class Command(BaseCommand):
    help = "Sync the GamesDrop offer catalog into the offers table (all pages; --dry-run writes nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")
        parser.add_argument(
            "--category", help='Only this category, e.g. "Top Up" or GIFT_CARD (no removals).'
        )
        parser.add_argument("--search", help="Only products whose name contains this text (no removals).")

    def handle(self, *args, dry_run: bool, category: str | None, search: str | None, **options) -> None:
        def show_plan(plan: OfferSyncPlan) -> None:
            for line in plan.describe():
                self.stdout.write(line)

        try:
            with progress_bar(self.stdout, "fetching offers") as progress:
                run = sync_offers(
                    category=category or None,
                    search=search or None,
                    dry_run=dry_run,
                    progress=progress,
                    on_plan=show_plan if dry_run else None,
                )
        except UnknownCategoryError as exc:
            raise CommandError(f"sync_offers failed: {exc}") from exc
        except Exception as exc:
            raise command_error(exc, command="sync_offers") from exc
        seconds = run.duration_seconds or 0.0
        self.stdout.write(
            self.style.SUCCESS(f"sync_offers: {run.summary()} in {seconds:.1f}s (run #{run.pk})")
        )
