"""Telegram purchase reports: 5,000 pending reports sent through the outbox vs a bare requests.post loop.

A fresh SQLite database in a temp dir; the sandbox served by gunicorn in a subprocess on 127.0.0.1; in a
second subprocess (its own settings), in the same run against the same endpoint:

- baseline: the 5,000 sendCustomRequest bodies posted with `requests.post` one after another;
- ours: `send_pending_reports()` over 5,000 PENDING report rows (claims, the client, the outcome writes).

The two passes alternate in chunks of 250 (each chunk's pending rows released just before its pass),
so the load of a shared machine weighs on both alike. Target: ours <= 1.5x the baseline.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPORTS = int(os.environ.get("BENCH_TELEGRAM_REPORTS", "5000"))
ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5
CHUNK = 250


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-telegram-reports-") as tmp:
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "giftoffice.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "GIFTOFFICE_SANDBOX": "1",
            "GIFTOFFICE_TESTING": "1",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "TELEGRAM_API_BASE": f"http://127.0.0.1:{port}/sandbox/telegram",
            "TELEGRAM_REPORT_CURRENCY": "USD",
        }
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "giftoffice.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--log-level",
             "warning", "--timeout", "120"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        try:
            worker = subprocess.run(
                [python, "-m", "bench.telegram_reports", "--worker"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            return [f"telegram_reports bench crashed FAIL: {exc.stderr.strip().splitlines()[-3:]}"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    return _report(json.loads(worker.stdout.strip().splitlines()[-1]))


def _report(r: dict) -> list[str]:
    ratio = r["ours"] / r["baseline"]
    ok = ratio <= TARGET and r["ok"]
    per = lambda seconds: seconds / r["reports"] * 1000  # noqa: E731
    return [
        f"send_{r['reports']}_reports {ratio:.2f}x (target <= {TARGET}x) {'PASS' if ok else 'FAIL'}   "
        f"ours {r['ours']:.2f}s ({per(r['ours']):.2f} ms/report), "
        f"bare requests.post {r['baseline']:.2f}s ({per(r['baseline']):.2f} ms/report)",
        f"  all {r['reports']} REPORTED once, sandbox received each transaction id once: {r['ok']}",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the measuring process --------------------------------------------------------------------------


def _wait_for_server(url: str) -> None:
    import requests

    deadline = time.monotonic() + 30
    while True:
        try:
            probe = {"transaction_id": "probe", "transaction_date": 1, "amount": 1, "currency": "USD",
                     "gift_name": "probe", "buyer_id": 1}  # fmt: skip
            requests.post(url, json={"method": "reportGiftPurchase", "parameters": probe}, timeout=2)
            return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.1)


def _pending_reports(count: int) -> list[dict]:
    """`count` completed sales of one named gift with their PENDING report rows, written in bulk."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.db import transaction

    from catalog.models import TelegramGift
    from orders.models import OrderStatus, PurchaseReport, ReportStatus, Sale, Supplier, SupplierOrder
    from orders.services.reports import build_report

    gift = TelegramGift.objects.order_by("pk").first()
    gift.marketplace_name = "plushpepe-1"
    gift.save()
    completed = datetime(2026, 2, 6, 10, 23, 12, tzinfo=UTC)
    with transaction.atomic():
        sales = Sale.objects.bulk_create(
            Sale(
                transaction_id=f"bench-{i:06d}",
                buyer_id=123456789,
                recipient_id=987654321,
                amount_paid=Decimal("50000"),
                currency="USD",
                completed_at=completed,
            )
            for i in range(count)
        )
        SupplierOrder.objects.bulk_create(
            SupplierOrder(sale=s, supplier=Supplier.GIFTLY, telegram_gift=gift, status=OrderStatus.COMPLETED)
            for s in sales
        )
        payload = build_report(sale=sales[0]).to_parameters()
        PurchaseReport.objects.bulk_create(
            PurchaseReport(
                sale=s,
                transaction_id=s.transaction_id,
                status=ReportStatus.PENDING,
                payload={**payload, "transaction_id": s.transaction_id},
            )
            for s in sales
        )
    return [
        {"method": "reportGiftPurchase", "parameters": {**payload, "transaction_id": f"base-{i:06d}"}}
        for i in range(count)
    ]


def _baseline(url: str, bodies: list[dict]) -> float:
    import requests

    started = time.perf_counter()
    for body in bodies:
        response = requests.post(url, json=body, timeout=20)
        if response.status_code != 200:
            raise RuntimeError(f"baseline got {response.status_code}: {response.text[:200]}")
    return time.perf_counter() - started


def worker() -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from giftoffice.sandbox.models import TelegramPurchaseReport
    from orders.models import PurchaseReport, ReportResult, ReportStatus
    from orders.services.reports import send_pending_reports

    url = f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_BOT_TOKEN}/sendCustomRequest"
    _wait_for_server(url)
    bodies = _pending_reports(REPORTS)
    TelegramPurchaseReport.objects.all().delete()
    # Held back, then released a chunk at a time: the two passes alternate chunk by chunk (and which goes
    # first), so a shared machine's changing load weighs on both alike.
    PurchaseReport.objects.update(next_attempt_at=timezone.now() + timedelta(days=1))
    ids = list(PurchaseReport.objects.order_by("pk").values_list("pk", flat=True))
    baseline = ours = 0.0
    reported = 0
    for number, start in enumerate(range(0, REPORTS, CHUNK)):

        def base(start: int = start) -> float:
            return _baseline(url, bodies[start : start + CHUNK])

        def mine(start: int = start) -> tuple[float, int]:
            PurchaseReport.objects.filter(pk__in=ids[start : start + CHUNK]).update(next_attempt_at=None)
            started = time.perf_counter()
            summary = send_pending_reports()
            return time.perf_counter() - started, summary.reported

        if number % 2:
            seconds, sent = mine()
            baseline += base()
        else:
            baseline += base()
            seconds, sent = mine()
        ours += seconds
        reported += sent

    accepted = PurchaseReport.objects.filter(
        status=ReportStatus.REPORTED, result=ReportResult.ACCEPTED
    ).count()
    received = TelegramPurchaseReport.objects.filter(transaction_id__startswith="bench-")
    ok = (
        reported == accepted == REPORTS
        and received.count() == REPORTS
        and received.values("transaction_id").distinct().count() == REPORTS
    )
    return {"reports": REPORTS, "baseline": baseline, "ours": ours, "ok": ok}


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        print(json.dumps(worker()))
    else:
        print("\n".join(run()))
