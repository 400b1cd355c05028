"""Exchange rates: the rate valid at a moment, conversion to Telegram's smallest units (the CSV import of
rates is in `rate_import`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from orders.models import ExchangeRate

__all__ = ["MINOR_UNITS", "NoRateError", "convert", "format_moment", "rate_at", "to_minor_units"]

# Telegram's smallest units: cents and nanotons.
MINOR_UNITS: dict[str, int] = {"USD": 100, "TON": 1_000_000_000}


class NoRateError(Exception):
    """No rate of the pair is valid at the moment asked for."""

    def __init__(self, from_currency: str, to_currency: str, at: datetime) -> None:
        self.reason = f"no {from_currency}->{to_currency} rate at {format_moment(at)}"
        super().__init__(self.reason)


def format_moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_at(*, from_currency: str, to_currency: str, at: datetime) -> Decimal:
    """The rate with the latest valid_from at or before `at` (NoRateError if none)."""
    rate = (
        ExchangeRate.objects.filter(from_currency=from_currency, to_currency=to_currency, valid_from__lte=at)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise NoRateError(from_currency, to_currency, at)
    return rate


def convert(*, amount: Decimal, from_currency: str, to_currency: str, at: datetime) -> Decimal:
    """`amount` of `from_currency` in `to_currency` at full precision, at the rate valid at `at`: the
    pair's own rate, else one over the opposite pair's (a file often has one direction only).
    NoRateError (naming the pair asked for) if neither exists."""
    from_currency, to_currency = from_currency.strip().upper(), to_currency.strip().upper()
    if from_currency == to_currency:
        return amount
    with localcontext() as ctx:
        ctx.prec = 60
        try:
            return amount * rate_at(from_currency=from_currency, to_currency=to_currency, at=at)
        except NoRateError as direct:
            try:
                inverse = rate_at(from_currency=to_currency, to_currency=from_currency, at=at)
            except NoRateError:
                raise direct from None
            return amount / inverse


def to_minor_units(*, amount: Decimal, currency: str, report_currency: str, at: datetime) -> int:
    """`amount` of `currency` as an integer count of `report_currency`'s smallest unit.

    Converted (if the currencies differ) and scaled in Decimal at full precision, rounded once,
    ROUND_HALF_UP: 5000 TON -> 5000000000000; 50000 USD -> 5000000.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal")  # a float here would already have lost cents
    currency, report_currency = currency.strip().upper(), report_currency.strip().upper()
    if report_currency not in MINOR_UNITS:
        raise ValueError(f"cannot report in {report_currency!r}")
    with localcontext() as ctx:
        ctx.prec = 60
        value = amount
        if currency != report_currency:
            value = amount * rate_at(from_currency=currency, to_currency=report_currency, at=at)
        minor = (value * MINOR_UNITS[report_currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(minor)
