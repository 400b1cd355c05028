from django.core.management.base import BaseCommand, CommandError, no_translations

from catalog.management.progress import progress_bar
from catalog.models import Gift
from catalog.publishing.errors import PushError
from catalog.publishing.plan import plan_lines
from catalog.publishing.runs import push_gifts
from catalog.services import partner_sites
from catalog.services.gift_rules import split_by_rules


def parse_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--ids takes comma-separated gift ids, got {text!r}") from None
    if not ids:
        raise CommandError("--ids is empty")
    return ids


class Command(BaseCommand):
    help = "Push gifts to a partner site: bulk-create new ones, bulk-update changed ones, skip the rest."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True, help="Partner site name")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--ids", help="Comma-separated gift ids, e.g. 1,2,3")
        which.add_argument("--all", action="store_true", help="Every gift")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the plan and the diffs; send nothing"
        )

    @no_translations
    def handle(self, *args, **options) -> None:
        try:
            site = partner_sites.get_site(name=options["site"])
        except partner_sites.SiteConfigError as exc:
            raise CommandError(str(exc)) from exc
        gift_ids = None if options["all"] else parse_ids(options["ids"])
        gift_ids, left_out = self.leave_out_broken(gift_ids)
        try:
            with progress_bar(self.stdout, f"push to {site.name}") as on_progress:
                run = push_gifts(
                    site=site, gift_ids=gift_ids, dry_run=options["dry_run"], on_progress=on_progress
                )
        except PushError as exc:
            raise CommandError(str(exc)) from exc
        if run.dry_run:
            for line in plan_lines(run.report or {}):
                self.stdout.write(line)
        self.stdout.write(run.summary())
        failures = [line for line in [run.failure_line()] if line]
        if left_out:
            ids = ", ".join(str(pk) for pk in left_out)
            failures.append(f"not sent: gift {ids}: breaks a catalog rule (fix it in the admin)")
        if failures:
            raise CommandError("; ".join(failures))

    def leave_out_broken(self, gift_ids: list[int] | None) -> tuple[list[int] | None, list[int]]:
        """Gifts breaking a catalog rule are not sent (the site would refuse them): one line each, and
        the command exits non-zero at the end. Returns (the ids to push, the ids left out)."""
        gifts = Gift.objects.order_by("pk")
        valid, broken = split_by_rules(gifts if gift_ids is None else gifts.filter(pk__in=gift_ids))
        if not broken:
            return gift_ids, []
        for gift in broken:
            self.stdout.write(f"not sent, breaks a catalog rule: {gift.line()}")
        left_out = [gift.gift_id for gift in broken]
        if not valid:
            raise CommandError(
                f"nothing to push: every selected gift breaks a catalog rule ({len(left_out)})"
            )
        if gift_ids is None:
            return [gift.pk for gift in valid], left_out
        return [pk for pk in gift_ids if pk not in left_out], left_out  # unknown ids stay: refused by name
