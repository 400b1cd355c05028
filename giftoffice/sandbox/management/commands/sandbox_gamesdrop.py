from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from giftoffice.sandbox.providers import gamesdrop_state


class Command(BaseCommand):
    help = (
        "Staff drills on the GamesDrop sandbox: set the account's balance or profile, hide, reprice or "
        "de-stock an offer. Prints the account and the changed offers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--balance", help="USD balance, e.g. 500.25")
        parser.add_argument("--profile", choices=["FIAT", "USDT", "MIXED"])
        parser.add_argument("--postpaid", action="store_true", default=None)
        parser.add_argument("--prepaid", dest="postpaid", action="store_false")
        parser.add_argument("--hide", type=int, action="append", default=[], metavar="OFFER_ID")
        parser.add_argument("--show", type=int, action="append", default=[], metavar="OFFER_ID")
        parser.add_argument("--price", nargs=2, action="append", default=[], metavar=("OFFER_ID", "PRICE"))
        parser.add_argument("--out-of-stock", type=int, action="append", default=[], metavar="OFFER_ID")
        parser.add_argument("--in-stock", type=int, action="append", default=[], metavar="OFFER_ID")
        parser.add_argument("--reset-offers", action="store_true", help="Drop every offer change.")

    def handle(self, *args, **o) -> None:
        try:
            balance = None if o["balance"] is None else Decimal(o["balance"])
            prices = [(int(offer_id), Decimal(price)) for offer_id, price in o["price"]]
        except (InvalidOperation, ValueError) as exc:
            raise CommandError(f"sandbox_gamesdrop: not a number ({exc})") from exc
        if o["reset_offers"]:
            gamesdrop_state.reset_offers()
        account = gamesdrop_state.set_account(
            balance=balance, profile=o["profile"], is_postpaid=o["postpaid"]
        )
        for offer_id in o["hide"]:
            gamesdrop_state.set_offer(offer_id, hidden=True)
        for offer_id in o["show"]:
            gamesdrop_state.set_offer(offer_id, hidden=False)
        for offer_id, price in prices:
            gamesdrop_state.set_offer(offer_id, price=price)
        for offer_id in o["out_of_stock"]:
            gamesdrop_state.set_offer(offer_id, in_stock=False)
        for offer_id in o["in_stock"]:
            gamesdrop_state.set_offer(offer_id, in_stock=True)
        self.stdout.write(f"account: {account}{' (postpaid)' if account.is_postpaid else ''}")
        current = gamesdrop_state.overrides()
        changed = sorted(current.hidden | set(current.prices or {}) | set(current.stock or {}))
        for offer_id in changed:
            notes = []
            if offer_id in current.hidden:
                notes.append("hidden")
            if current.prices and offer_id in current.prices:
                notes.append(f"price {current.prices[offer_id]}")
            if current.stock and offer_id in current.stock:
                notes.append("in stock" if current.stock[offer_id] else "out of stock")
            self.stdout.write(f"offer {offer_id}: {', '.join(notes)}")
