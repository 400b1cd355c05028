from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orders.services.rate_import import CSV_HEADER, RateImportError, import_rates_csv


class Command(BaseCommand):
    help = (
        f"Load exchange rates from a CSV file with the header {','.join(CSV_HEADER)} "
        "(codes three letters A-Z, rate a decimal, valid_from ISO 8601, ASCII digits only). "
        "Any bad row refuses the whole file; nothing is loaded."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            result = import_rates_csv(text=text)
        except RateImportError as exc:
            raise CommandError("nothing loaded: " + "; ".join(exc.errors)) from exc
        self.stdout.write(result.summary())
