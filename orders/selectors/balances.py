"""The supplier balances staff see: the latest stored reading, never a live supplier call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from orders.models import BalanceReading, Supplier

__all__ = ["BalanceStatus", "balance_status"]


@dataclass(frozen=True)
class BalanceStatus:
    supplier: str
    last_ok: BalanceReading | None  # the newest successful read
    failed_since: datetime | None  # the newest read failed: when the first failure after last_ok was
    error: str  # that failure's error
    threshold: Decimal

    @property
    def low(self) -> bool:
        ok = self.last_ok
        return ok is not None and not ok.is_postpaid and ok.balance < self.threshold


def balance_status(*, supplier: str = Supplier.GAMESDROP, threshold: Decimal) -> BalanceStatus:
    latest = BalanceReading.objects.filter(supplier=supplier).order_by("-read_at", "-pk").first()
    if latest is None or latest.ok:
        return BalanceStatus(supplier, latest, None, "", threshold)
    last_ok = BalanceReading.objects.filter(supplier=supplier, ok=True).order_by("-read_at", "-pk").first()
    failures = BalanceReading.objects.filter(supplier=supplier, ok=False)
    if last_ok is not None:
        failures = failures.filter(read_at__gt=last_ok.read_at)
    first_failure = failures.order_by("read_at", "pk").values_list("read_at", flat=True).first()
    return BalanceStatus(supplier, last_ok, first_failure, latest.error, threshold)
