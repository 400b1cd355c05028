from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from catalog.models import TelegramGift
from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import running, this_process
from orders.models import CampaignRun, CampaignStatus, PurchaseKey, PurchaseKind
from orders.services import purchase_keys
from orders.services.campaigns import (
    CampaignPreview,
    campaign_counts,
    create_campaign,
    preview_campaign,
    send_campaign,
)
from orders.services.recipients import parse_recipients
from orders.services.sales import SaleInputError


class Command(BaseCommand):
    help = (
        "Send a Giftly Telegram gift to each recipient, one sale per recipient. The last line counts "
        "sent / outcome unknown / failed; the exit status is 1 if any send failed or is unknown. "
        "Stops at the first authentication error or unknown outcome, or when Giftly keeps turning sends "
        "away or the balance is empty (the rest are not sent); recorded as "
        "a campaign with its run, like the admin's Send to Telegram users…"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("gift_id", metavar="GIFTLY_GIFT_ID")
        parser.add_argument("recipients", metavar="RECIPIENT_ID", nargs="*")
        parser.add_argument("--recipients-file", help="One Telegram user id per line (up to 10,000 in all).")
        parser.add_argument("--text", help="Message sent with the gift (Giftly's greeting if omitted).")
        parser.add_argument("--buyer-id", help="The buyer's Telegram id.")
        parser.add_argument(
            "--paid", nargs=2, metavar=("AMOUNT", "CURRENCY"), help="What the customer paid, per recipient."
        )
        parser.add_argument(
            "--idempotency-key",
            metavar="KEY",
            help="Send at most once per KEY: run again with the same KEY, it reports the first campaign "
            "and sends nothing.",
        )

    def handle(self, *args, gift_id: str, recipients: list[str], **options) -> None:
        key = options.get("idempotency_key")
        if key is not None and (first := self._used(key)) is not None:
            return self._report_first(first)
        preview = self._checked(gift_id, recipients, options)

        def create() -> CampaignRun:
            # The same campaign service as the admin's "Send to Telegram users…", run in this process.
            return create_campaign(preview=preview, trigger=RunTrigger.COMMAND)

        if key is None:
            run = create()
        else:
            done = self._once(key, create)
            if done.repeated:  # a rival run with the same key committed first
                return self._report_first(done.key)
            run = done.made
        ids = preview.recipients

        def report(recipient: int, sale, result) -> None:
            order = result.order
            self.stdout.write(f"{recipient}: {order.status} {sale.transaction_id} {order.supplier_message}")

        with running(run, claimed_by=this_process()):
            send_campaign(run, on_sent=report)
        campaign = run.campaign
        campaign.refresh_from_db()
        not_sent = len(ids) - run.done
        summary = f"send_telegram_gift: sent {run.sent}, outcome unknown {run.unknown}, failed {run.failed}"
        if not_sent:
            stopped = {
                CampaignStatus.STOPPED: "stopped: Giftly refused our token",
            }.get(campaign.status, run.message)
            if campaign.status == CampaignStatus.PAUSED and campaign.paused_order_id:
                stopped = "stopped at the first unknown outcome"
            summary += f", not sent {not_sent} ({stopped})"
        self.stdout.write(summary)
        if run.unknown or run.failed or not_sent:
            sys.exit(1)

    def _used(self, key: str) -> PurchaseKey | None:
        try:
            return purchase_keys.used(key=key, kind=PurchaseKind.SEND)
        except SaleInputError as exc:
            raise CommandError(f"send_telegram_gift: {exc}") from exc

    def _once(self, key: str, create) -> purchase_keys.Once[CampaignRun]:
        try:
            return purchase_keys.once(key=key, kind=PurchaseKind.SEND, make=create)
        except SaleInputError as exc:
            raise CommandError(f"send_telegram_gift: {exc}") from exc

    def _report_first(self, first: PurchaseKey) -> None:
        """What the key's first run made, as its summary line; the exit status is the one it gives."""
        campaign = first.campaign
        if campaign is None:
            self.stdout.write("send_telegram_gift: already done with this idempotency key; nothing sent")
            return
        counts = campaign_counts(campaign)
        self.stdout.write(
            f"send_telegram_gift: already done with this idempotency key, nothing sent now: campaign "
            f"#{campaign.pk} {campaign.status}: sent {counts['sent']}, outcome unknown {counts['unknown']}, "
            f"failed {counts['failed']}, sending {counts['in_progress']}, not sent {counts['not_sent']}"
        )
        if counts["sent"] != len(campaign.recipients):
            sys.exit(1)

    def _checked(self, gift_id: str, recipients: list[str], options: dict) -> CampaignPreview:
        """Every input checked before the first sale is created: bad input sends nothing."""
        gift = TelegramGift.objects.filter(gift_id=gift_id).first()
        if gift is None:
            raise CommandError(f"unknown Giftly gift id {gift_id!r}")
        if not gift.active:
            raise CommandError(f"Giftly gift {gift_id} is not on sale")
        values = list(recipients)
        if options.get("recipients_file"):
            try:
                values += Path(options["recipients_file"]).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read the recipients file: {exc}") from exc
        try:
            parsed = parse_recipients(values)
        except SaleInputError as exc:
            raise CommandError(str(exc)) from exc
        if parsed.rejected:
            with translation.override("en"):
                raise CommandError(f"bad recipient ids, nothing sent: {parsed.describe_rejected()}")
        if not parsed.ids:
            raise CommandError("no recipients: give RECIPIENT_ID arguments or --recipients-file")
        paid_amount, paid_currency = options.get("paid") or (None, None)
        try:
            # The admin's checks (text length, buyer, amount paid), by the same service.
            return preview_campaign(
                telegram_gift=gift,
                recipients=[str(number) for number in parsed.ids],
                text=options.get("text"),
                buyer_id=options.get("buyer_id"),
                amount_paid=paid_amount,
                currency=paid_currency,
            )
        except SaleInputError as exc:
            raise CommandError(str(exc)) from exc
