import os

from django.core.management.base import BaseCommand, CommandError, no_translations

from catalog.services import partner_sites


class Command(BaseCommand):
    help = "Add a partner site we push gifts to (it serves the /external/gift/ API at BASE_URL)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("base_url", help="The site's {domain}; calls go to BASE_URL/external/gift/.")
        parser.add_argument(
            "--auth-header", default="Authorization", help="Header name (default Authorization)"
        )
        parser.add_argument("--auth-secret", default="", help="Header value, e.g. 'Api-Key …'")
        parser.add_argument(
            "--auth-secret-env",
            default="",
            help="Read the header value from this environment variable instead",
        )
        parser.add_argument("--timeout", type=float, default=None, help="Seconds (default 20)")
        parser.add_argument("--batch-size", type=int, default=None, help="Gifts per bulk call (default 500)")
        parser.add_argument("--languages", default=None, help="Comma-separated, e.g. ro,ru (default all)")

    @no_translations
    def handle(self, *args, **options) -> None:
        secret = options["auth_secret"]
        if options["auth_secret_env"]:
            secret = os.environ.get(options["auth_secret_env"], "")
            if not secret:
                raise CommandError(f"environment variable {options['auth_secret_env']} is empty or unset")
        languages = options["languages"]
        try:
            site = partner_sites.add_site(
                name=options["name"],
                base_url=options["base_url"],
                auth_header=options["auth_header"],
                auth_secret=secret,
                timeout_seconds=options["timeout"],
                batch_size=options["batch_size"],
                languages=[c.strip() for c in languages.split(",") if c.strip()] if languages else None,
            )
        except partner_sites.SiteConfigError as exc:
            raise CommandError(str(exc)) from exc
        secret_note = f"auth header {site.auth_header} set" if site.auth_secret else "no auth header"
        self.stdout.write(
            self.style.SUCCESS(f"partner site {site.name!r} added: {site.base_url} ({secret_note})")
        )
