from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from catalog.models import TelegramGift
from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import running, this_process
from orders.models import CampaignStatus
from orders.services.campaigns import CampaignPreview, create_campaign, send_campaign
from orders.services.recipients import parse_recipients, parse_telegram_id
from orders.services.sales import SaleInputError, parse_paid


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

    def handle(self, *args, gift_id: str, recipients: list[str], **options) -> None:
        gift, ids, buyer_id, amount, currency = self._checked(gift_id, recipients, options)
        preview = CampaignPreview(
            telegram_gift=gift,
            recipients=ids,
            text=options.get("text"),
            buyer_id=buyer_id,
            amount_paid=amount,
            currency=currency,
        )
        # The same campaign service as the admin's "Send to Telegram users…", run in this process.
        run = create_campaign(preview=preview, trigger=RunTrigger.COMMAND, enqueue=False)

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

    def _checked(self, gift_id: str, recipients: list[str], options: dict):
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
            buyer_id = parse_telegram_id(options["buyer_id"]) if options.get("buyer_id") else None
            paid_amount, paid_currency = options.get("paid") or (None, None)
            amount, currency = parse_paid(amount=paid_amount, currency=paid_currency)
        except SaleInputError as exc:
            raise CommandError(str(exc)) from exc
        if parsed.rejected:
            with translation.override("en"):
                raise CommandError(f"bad recipient ids, nothing sent: {parsed.describe_rejected()}")
        if not parsed.ids:
            raise CommandError("no recipients: give RECIPIENT_ID arguments or --recipients-file")
        return gift, parsed.ids, buyer_id, amount, currency
