"""The CSV import of exchange rates: a whole file or nothing; waiting reports woken by what it adds."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.models import ExchangeRate
from orders.services import report_outbox

__all__ = ["CSV_HEADER", "ImportResult", "RateImportError", "import_rates_csv"]

CSV_HEADER = ["from_currency", "to_currency", "rate", "valid_from"]


class RateImportError(Exception):
    """The file is refused as a whole; `errors` name the lines (1 = the header)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return f"rates: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"


MAX_ERRORS = 20  # a wholly wrong file names its first few bad lines, not thousands
BATCH_SIZE = 2000  # rows per INSERT ... ON CONFLICT statement

# ASCII only, spelled out: str.isalpha(), str.isdigit(), int(), Decimal() and parse_datetime's \d all
# take Cyrillic letters or fullwidth digits, which then never match a rate looked up by code or time.
# Codes have ISO 4217's form, three letters (TON and XTR, not in the standard, have it too).
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")
RATE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NOT_FINITE = re.compile(r"[+-]?(?:s?nan|inf|infinity)", re.IGNORECASE)
ISO_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


def _parse_row(row: list[str]) -> tuple[str, str, Decimal, datetime]:
    if len(row) != len(CSV_HEADER):
        raise ValueError(f"expected {len(CSV_HEADER)} columns, got {len(row)}")
    from_currency, to_currency, raw_rate, raw_valid_from = (cell.strip() for cell in row)
    for name, code in (("from_currency", from_currency), ("to_currency", to_currency)):
        if not CURRENCY_CODE.fullmatch(code):
            raise ValueError(f"{name} {code!r} is not a currency code (ISO 4217: three letters A-Z)")
    from_currency, to_currency = from_currency.upper(), to_currency.upper()
    if from_currency == to_currency:
        raise ValueError("from_currency and to_currency are the same")
    if NOT_FINITE.fullmatch(raw_rate):
        raise ValueError(f"rate {raw_rate!r} must be a positive number")
    if not RATE_NUMBER.fullmatch(raw_rate):
        raise ValueError(f"rate {raw_rate!r} is not a decimal number")
    try:
        rate = Decimal(raw_rate)
    except InvalidOperation:
        raise ValueError(f"rate {raw_rate!r} is not a decimal number") from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"rate {raw_rate!r} must be a positive number")
    if rate.as_tuple().exponent < -12 or rate.adjusted() >= 18:  # type: ignore[operator]
        raise ValueError(f"rate {raw_rate!r} has more than 18 integer or 12 decimal digits")
    valid_from = parse_datetime(raw_valid_from) if ISO_MOMENT.fullmatch(raw_valid_from) else None
    if valid_from is None:
        raise ValueError(f"valid_from {raw_valid_from!r} is not an ISO 8601 date and time")
    if timezone.is_naive(valid_from):
        # Without an offset it means UTC (TIME_ZONE is a display choice, not the file's).
        valid_from = valid_from.replace(tzinfo=UTC)
    return from_currency, to_currency, rate, valid_from


def import_rates_csv(*, text: str) -> ImportResult:
    """Load every row of a rates file, or nothing: any bad row refuses the file, naming its line.

    A row for a (pair, valid_from) already stored replaces its rate (a correction).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or [cell.strip() for cell in rows[0]] != CSV_HEADER:
        raise RateImportError([f"line 1: the header must be exactly {','.join(CSV_HEADER)}"])
    errors: list[str] = []
    parsed: dict[tuple[str, str, datetime], tuple[Decimal, int]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line (often the last one)
        try:
            from_currency, to_currency, rate, valid_from = _parse_row(row)
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        key = (from_currency, to_currency, valid_from)
        if key in parsed and parsed[key][0] != rate:
            errors.append(
                f"line {number}: another rate for the same pair and valid_from on line {parsed[key][1]}"
            )
            continue
        parsed[key] = (rate, number)
    if errors:
        extra = len(errors) - MAX_ERRORS
        raise RateImportError(errors[:MAX_ERRORS] + ([f"... and {extra} more"] if extra > 0 else []))
    if not parsed:
        raise RateImportError(["the file has no rates"])
    with transaction.atomic():
        created, updated, unchanged = _store(parsed)
        if created or updated:
            report_outbox.wake_waiting_reports()
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _store(parsed: dict[tuple[str, str, datetime], tuple[Decimal, int]]) -> tuple[int, int, int]:
    """Write the parsed rates in batches (inside the caller's transaction): (created, updated, unchanged).

    One read of the stored rates per pair, then one INSERT ... ON CONFLICT per batch for the new and
    corrected rows: a statement or two per row would make a file of 400,000 rows take many minutes inside
    one transaction. An import of the same rows at the same moment cannot make this one fail; the last to
    commit wins.
    """
    by_pair: dict[tuple[str, str], list[datetime]] = {}
    for from_currency, to_currency, valid_from in parsed:
        by_pair.setdefault((from_currency, to_currency), []).append(valid_from)
    stored: dict[tuple[str, str, datetime], Decimal] = {}
    for (from_currency, to_currency), moments in by_pair.items():
        rows = ExchangeRate.objects.filter(
            from_currency=from_currency,
            to_currency=to_currency,
            valid_from__gte=min(moments),
            valid_from__lte=max(moments),
        ).values_list("valid_from", "rate")
        for valid_from, rate in rows.iterator():
            stored[from_currency, to_currency, valid_from] = rate
    writes = []
    created = updated = 0
    for (from_currency, to_currency, valid_from), (rate, _number) in parsed.items():
        old = stored.get((from_currency, to_currency, valid_from))
        if old == rate:
            continue
        if old is None:
            created += 1
        else:
            updated += 1
        writes.append(
            ExchangeRate(
                from_currency=from_currency, to_currency=to_currency, rate=rate, valid_from=valid_from
            )
        )
    ExchangeRate.objects.bulk_create(
        writes,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["from_currency", "to_currency", "valid_from"],
        update_fields=["rate"],
    )
    return created, updated, len(parsed) - created - updated
