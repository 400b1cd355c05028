from django.core.management.base import BaseCommand, CommandError, no_translations

from catalog.management.progress import progress_bar
from catalog.publishing.errors import PushError
from catalog.publishing.runs import pull_gifts
from catalog.services import partner_sites


class Command(BaseCommand):
    help = "Import a partner site's gifts into our catalog (upsert by remote id); for onboarding a partner."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True, help="Partner site name")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing")

    @no_translations
    def handle(self, *args, **options) -> None:
        try:
            site = partner_sites.get_site(name=options["site"])
        except partner_sites.SiteConfigError as exc:
            raise CommandError(str(exc)) from exc
        try:
            with progress_bar(self.stdout, f"pull from {site.name}") as on_progress:
                run = pull_gifts(site=site, dry_run=options["dry_run"], on_progress=on_progress)
        except PushError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(run.summary())
        if failure := run.failure_line():
            raise CommandError(failure)
