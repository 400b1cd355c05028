from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.services.offers import CatalogChangedError, OfferSyncPlan, sync_offers
from catalog.services.sync_runs import one_line
from giftoffice.integrations.base import IntegrationError


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

        progress = _TerminalProgress() if self.stdout.isatty() else None
        try:
            with progress or _Nothing():
                run = sync_offers(
                    category=category or None,
                    search=search or None,
                    dry_run=dry_run,
                    progress=progress.update if progress else None,
                    on_plan=show_plan if dry_run else None,
                )
        except (IntegrationError, CatalogChangedError) as exc:
            raise CommandError(f"sync_offers failed: {one_line(exc)}") from exc
        seconds = run.duration_seconds or 0.0
        self.stdout.write(
            self.style.SUCCESS(f"sync_offers: {run.summary()} in {seconds:.1f}s (run #{run.pk})")
        )


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


class _TerminalProgress:
    """A rich progress bar over the rows fetched, shown only when stdout is a terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("fetching offers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        self._task = self._progress.add_task("fetch", total=None)

    def __enter__(self) -> _TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)
