"""Purchases against the sandbox served by a real local server, each against a bare loop in the same run.

The sandbox runs in gunicorn (one worker) on 127.0.0.1 with its own SQLite file; our side runs in a
second process with another SQLite file (as production talks to a remote supplier over HTTP, no
shared database). Three figures, each "ours / bare `requests.post` loop on the same endpoints":

- Giftly campaign: `CampaignRun`s sending GIFTLY sends in all (one sale, one supplier order, its events
  and the campaign's bookkeeping each; the campaign's check and creation timed too) vs GIFTLY
  `buyGift` posts — target <= 1.5x;
- GamesDrop test offer 999: GAMESDROP orders each placed (`place_order`) and sent (`submit`: claim,
  create-order, adopt, key stored encrypted, sale completed) from one passed purchase check (the
  check's find-one and balance are read once, as for a batch) vs GAMESDROP `create-order` posts —
  target <= 1.5x;
- polling: one `PollRun` pass over POLL open orders (offer 1001, SUBMITTED) vs POLL `order-status`
  posts — target <= 2x. The open orders are made by `create-order` posts and recorded on our side
  in bulk beforehand (setup, not timed).

Giftly and GamesDrop are timed in ROUNDS alternating rounds (bare first, then ours first, …) so that
neither side is measured in a quieter minute of the machine or against a smaller supplier table. Both
sides keep one connection open for the whole run (one `requests.Session` in the bare loop, one client
per campaign run / for the batch on ours), as production does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

GIFTLY = int(os.environ.get("BENCH_PURCHASES_GIFTLY", "2000"))
GAMESDROP = int(os.environ.get("BENCH_PURCHASES_GAMESDROP", "2000"))
POLL = int(os.environ.get("BENCH_PURCHASES_POLL", "10000"))
ROUNDS = int(os.environ.get("BENCH_PURCHASES_ROUNDS", "10"))  # alternating bare / ours rounds
ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"giftly": 1.5, "gamesdrop": 1.5, "poll": 2.0}
TEDDY = "5170233102089322756"


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-purchases-") as tmp:
        base = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "giftoffice.settings",
            "GIFTOFFICE_SANDBOX": "1",
            "GIFTOFFICE_TESTING": "1",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "GIFTOFFICE_SANDBOX_GAMESDROP_OFFERS": "60",
            "GIFTOFFICE_SANDBOX_GAMESDROP_BALANCE": "1000000000",
            "GIFTOFFICE_SANDBOX_GIFTLY_BALANCE_RUB": "100000000",
        }
        server_env = {**base, "DATABASE_URL": f"sqlite:///{tmp}/sandbox.sqlite3"}
        ours_env = {**base, "DATABASE_URL": f"sqlite:///{tmp}/ours.sqlite3"}
        python = sys.executable
        for env in (server_env, ours_env):
            subprocess.run(
                [python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
            )
        port = _free_port()
        sandbox = f"http://127.0.0.1:{port}/sandbox"
        ours_env["GAMESDROP_BASE_URL"] = f"{sandbox}/gamesdrop"
        ours_env["GIFTLY_BASE_URL"] = f"{sandbox}/giftly"
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "giftoffice.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--log-level",
             "warning", "--timeout", "120"],
            cwd=ROOT,
            env=server_env,
        )  # fmt: skip
        try:
            worker = subprocess.run(
                [python, "-m", "bench.purchases", "--worker"],
                cwd=ROOT,
                env=ours_env,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            return [f"purchases bench crashed FAIL: {exc.stderr.strip().splitlines()[-3:]}"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    return _report(json.loads(worker.stdout.strip().splitlines()[-1]))


def _report(r: dict) -> list[str]:
    lines = []
    names = {
        "giftly": f"Giftly campaign, {r['giftly_n']:,} sends",
        "gamesdrop": f"GamesDrop offer 999, {r['gamesdrop_n']:,} orders",
        "poll": f"poll pass, {r['poll_n']:,} open orders",
    }
    for key, title in names.items():
        ours, bare, n = r[f"{key}_ours"], r[f"{key}_bare"], r[f"{key}_n"]
        ratio = ours / bare
        verdict = "PASS" if ratio <= TARGETS[key] and r[f"{key}_ok"] else "FAIL"
        lines.append(
            f"{title}: ours {ours:.2f}s ({ours / n * 1000:.2f} ms each), bare requests.post "
            f"{bare:.2f}s ({bare / n * 1000:.2f} ms each) = {ratio:.2f}x "
            f"(target <= {TARGETS[key]}x) {verdict}" + ("" if r[f"{key}_ok"] else f" [{r[f'{key}_why']}]")
        )
    return lines


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the measuring process --------------------------------------------------------------------------


def _wait_for_server(url: str, headers: dict) -> None:
    import requests

    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/api/v1/offers/balance", headers=headers, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.1)


def _recipients(first: int) -> list[int]:
    # The sandbox answers 400 to ids ending in 404 ("has not started the bot"): not a send to time.
    return [n for n in range(first, first + 2 * GIFTLY) if not str(n).endswith("404")][:GIFTLY]


def _rounds(items: list) -> list[list]:
    size = -(-len(items) // ROUNDS)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _alternate(rounds: int, bare: Callable[[int], None], ours: Callable[[int], None]) -> tuple[float, float]:
    """Seconds of each side, measured in alternating rounds (bare first in even rounds, ours first in
    odd ones): the load of other processes and the supplier's growing tables weigh on both alike."""
    spent = {"bare": 0.0, "ours": 0.0}
    for r in range(rounds):
        sides = [("bare", bare), ("ours", ours)]
        for name, work in sides if r % 2 == 0 else reversed(sides):
            started = time.perf_counter()
            work(r)
            spent[name] += time.perf_counter() - started
    return spent["bare"], spent["ours"]


def _giftly(settings, session) -> dict:
    from catalog.models import TelegramGift
    from giftoffice.runs.models import RunStatus
    from giftoffice.runs.services import running, this_process
    from orders.services import campaigns

    url = f"{settings.GIFTLY_BASE_URL}/api/v1/giftly/buyGift"
    gift = TelegramGift.objects.get(gift_id=TEDDY)
    bare_rounds = _rounds(_recipients(1))
    our_rounds = _rounds(_recipients(1_000_001))
    runs = []

    def bare(r: int) -> None:
        for recipient in bare_rounds[r]:
            response = session.post(
                url, json={"recipient": str(recipient), "gift_id": TEDDY, "token": settings.GIFTLY_TOKEN}
            )
            if response.status_code != 201:
                raise RuntimeError(f"bare buyGift answered {response.status_code}: {response.text[:200]}")

    def ours(r: int) -> None:  # the whole campaign: check, create, send (one CampaignRun per round)
        preview = campaigns.preview_campaign(telegram_gift=gift, recipients=[str(n) for n in our_rounds[r]])
        run = campaigns.create_campaign(preview=preview)
        with running(run, claimed_by=this_process()):
            campaigns.send_campaign(run)
        runs.append(run)

    bare_s, ours_s = _alternate(len(our_rounds), bare, ours)
    sent = sum(run.sent for run in runs)
    ok = all(run.status == RunStatus.SUCCEEDED for run in runs) and sent == GIFTLY
    return {"giftly_n": GIFTLY, "giftly_bare": bare_s, "giftly_ours": ours_s, "giftly_ok": ok,
            "giftly_why": f"runs {sorted({run.status for run in runs})}, sent {sent}"}  # fmt: skip


def _gamesdrop(settings, session, headers) -> dict:
    from catalog.models import Offer
    from orders.models import OrderStatus
    from orders.services import gamesdrop

    offer = Offer.objects.get(offer_group_id=999)
    check = gamesdrop.check_purchase(offer=offer)
    url = f"{settings.GAMESDROP_BASE_URL}/api/v1/offers/create-order"
    body = {"offerId": 999, "price": float(check.price), "customer": {}}
    client = gamesdrop.gamesdrop.client()
    statuses: dict[str, int] = {}
    sizes = [len(chunk) for chunk in _rounds(list(range(GAMESDROP)))]

    def bare(r: int) -> None:
        for _ in range(sizes[r]):
            response = session.post(url, json={**body, "transactionId": uuid.uuid4().hex}, headers=headers)
            if response.status_code >= 300:
                raise RuntimeError(
                    f"bare create-order answered {response.status_code}: {response.text[:200]}"
                )

    def ours(r: int) -> None:
        for _ in range(sizes[r]):
            order = gamesdrop.submit(order=gamesdrop.place_order(check=check), client=client)
            statuses[order.status] = statuses.get(order.status, 0) + 1

    bare_s, ours_s = _alternate(len(sizes), bare, ours)
    ok = statuses == {OrderStatus.COMPLETED: GAMESDROP}
    return {"gamesdrop_n": GAMESDROP, "gamesdrop_bare": bare_s, "gamesdrop_ours": ours_s, "gamesdrop_ok": ok,
            "gamesdrop_why": f"statuses {statuses}"}  # fmt: skip


def _poll(settings, session, headers) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Offer
    from giftoffice.runs.models import RunStatus
    from orders.models import OrderStatus, Sale, Supplier, SupplierOrder
    from orders.services.poll_runs import poll_pass

    offer = Offer.objects.get(offer_group_id=1001)
    create = f"{settings.GAMESDROP_BASE_URL}/api/v1/offers/create-order"
    placed = []
    for _ in range(POLL):  # setup: POLL open orders at the supplier
        transaction_id = uuid.uuid4().hex
        body = {"offerId": 1001, "price": float(offer.supplier_price), "transactionId": transaction_id}
        answer = session.post(create, json={**body, "customer": {}}, headers=headers).json()
        placed.append((transaction_id, str(answer["orderId"]), answer["status"]))
    past = timezone.now() - timezone.timedelta(seconds=1)
    with transaction.atomic():
        sales = Sale.objects.bulk_create(Sale() for _ in placed)
        SupplierOrder.objects.bulk_create(
            SupplierOrder(
                sale=sale, supplier=Supplier.GAMESDROP, offer=offer, transaction_id=transaction_id,
                supplier_order_id=order_id, status=OrderStatus.SUBMITTED, price=offer.supplier_price,
                currency=offer.currency, next_poll_at=past, submitted_at=past,
            )
            for sale, (transaction_id, order_id, _status) in zip(sales, placed, strict=True)
        )  # fmt: skip

    status_url = f"{settings.GAMESDROP_BASE_URL}/api/v1/offers/order-status"
    started = time.perf_counter()
    for _transaction_id, order_id, _status in placed:
        response = session.post(status_url, json={"orderId": int(order_id)}, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"bare order-status answered {response.status_code}")
    bare = time.perf_counter() - started

    started = time.perf_counter()
    run, summary = poll_pass()
    ours = time.perf_counter() - started
    ok = run.status == RunStatus.SUCCEEDED and run.done == POLL
    why = f"run {run.status}, {run.done} looked at, {summary and summary.summary()}"
    return {"poll_n": POLL, "poll_bare": bare, "poll_ours": ours, "poll_ok": ok, "poll_why": why}


def worker() -> dict:
    import django

    django.setup()
    import requests
    from django.conf import settings

    from catalog.services.offers import sync_offers
    from catalog.services.telegram_gifts import seed_telegram_gifts

    headers = {"Authorization": settings.GAMESDROP_TOKEN}
    _wait_for_server(settings.GAMESDROP_BASE_URL, headers)
    seed_telegram_gifts()
    sync_offers(trigger="bench")
    session = requests.Session()  # the bare loops reuse one connection, as our clients do
    return {
        **_giftly(settings, session),
        **_gamesdrop(settings, session, headers),
        **_poll(settings, session, headers),
    }


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    print(json.dumps(worker()))
