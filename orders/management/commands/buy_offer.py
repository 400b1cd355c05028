from __future__ import annotations

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.models import Offer
from orders.models import OrderStatus, PurchaseKey, PurchaseKind, SupplierOrder
from orders.services import gamesdrop, purchase_keys
from orders.services.sales import SaleInputError

FAILED = {OrderStatus.CANCELED, OrderStatus.FAILED, OrderStatus.REFUNDED}


class Command(BaseCommand):
    help = (
        "Buy one GamesDrop offer (by its offer group id) after every check; prints the order's transaction "
        "id and status. --wait polls until it is final. Exit status 1 if it cannot be placed or ends "
        "CANCELED / FAILED / REFUNDED."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("offer_id", metavar="OFFER_ID", type=int)
        parser.add_argument("--game-user-id")
        parser.add_argument("--server", help="Server id or its label from the offer's server list.")
        parser.add_argument("--email")
        parser.add_argument("--telegram-username", help="For Telegram Stars: @username, resolved to an id.")
        parser.add_argument("--wait", action="store_true", help="Poll until the order is final.")
        parser.add_argument(
            "--override-margin",
            action="store_true",
            help="Buy even when GamesDrop's price is above our retail price.",
        )
        parser.add_argument(
            "--idempotency-key",
            metavar="KEY",
            help="Buy at most once per KEY: run again with the same KEY, it reports the first order and "
            "buys nothing.",
        )

    def handle(self, *args, offer_id: int, **options) -> None:
        key = options.get("idempotency_key")
        try:
            # Before the checks: a repeat must report the first order, not call GamesDrop again.
            first = purchase_keys.used(key=key, kind=PurchaseKind.BUY) if key is not None else None
        except SaleInputError as exc:
            raise CommandError(f"buy_offer: not placed: {exc}") from exc
        if first is not None:
            return self._finish(self._first(first), options)
        offer = Offer.objects.filter(offer_group_id=offer_id).first()
        if offer is None:
            raise CommandError(f"unknown GamesDrop offer {offer_id}: not in our catalog (run sync_offers)")
        try:
            check = gamesdrop.check_purchase(
                offer=offer,
                game_user_id=options.get("game_user_id"),
                game_server_id=options.get("server"),
                email=options.get("email"),
                telegram_username=options.get("telegram_username"),
            )
            for warning in check.warnings:
                self.stderr.write(f"warning: {warning}")

            def place() -> SupplierOrder:
                return gamesdrop.place_order(check=check, override_margin=options["override_margin"])

            if key is None:
                order = place()
            else:
                done = purchase_keys.once(key=key, kind=PurchaseKind.BUY, make=place)
                if done.repeated:  # a rival run with the same key committed first
                    return self._finish(self._first(done.key), options)
                order = done.made
        except SaleInputError as exc:
            raise CommandError(f"buy_offer: not placed: {exc}") from exc
        self._finish(gamesdrop.submit(order=order), options)

    def _first(self, first: PurchaseKey) -> SupplierOrder:
        order = purchase_keys.first_order(first)
        if order is None:
            raise CommandError("buy_offer: already done with this idempotency key; its order is gone")
        self.stdout.write("buy_offer: already placed with this idempotency key, nothing bought again")
        if order.status == OrderStatus.NEW:
            # Its run stopped between placing and sending: send it now (the claim keeps it to one send).
            order = gamesdrop.submit(order=order)
        return order

    def _finish(self, order: SupplierOrder, options: dict) -> None:
        self._show(order)
        if options["wait"]:
            order = self._wait(order)
        if order.status in FAILED:
            sys.exit(1)

    def _show(self, order) -> None:
        message = f" {order.supplier_message}" if order.supplier_message else ""
        self.stdout.write(f"{order.transaction_id} {order.status}{message}")

    def _wait(self, order):
        deadline = time.monotonic() + settings.ORDERS_WAIT_MAX_SECONDS
        while not order.is_final and time.monotonic() < deadline:
            if order.next_poll_at is None and order.status == OrderStatus.OUTCOME_UNKNOWN:
                break  # left for staff: nothing more will happen by itself
            if order.next_poll_at is not None:
                time.sleep(max(0.0, (order.next_poll_at - timezone.now()).total_seconds()))
            before = order.status
            if order.status == OrderStatus.OUTCOME_UNKNOWN:
                order = gamesdrop.reconcile(order=order, resend=True)
            else:
                order = gamesdrop.refresh(order=order)
            if order.status != before:
                self._show(order)
        if not order.is_final:
            self.stdout.write(f"{order.transaction_id} still {order.status}; poll_orders will follow it")
            sys.exit(1)
        return order
