"""Demo data for `make run`, one module per area. Each step is idempotent: running the demo twice
leaves one copy of each thing.

The demo is wiring, not product: it may import every app, and no product code imports it. A step is a
plain function imported here (no dotted-path registry), so a rename breaks at import time, not when
someone runs the demo.
"""

from __future__ import annotations

from collections.abc import Callable

from giftoffice.demo import gifts, partner_sites, reports, suppliers
from giftoffice.demo.users import ensure_admin

# (title, step): each step returns a one-line summary for `manage.py demo_setup`.
STEPS: list[tuple[str, Callable[[], str]]] = [
    ("Demo gifts", gifts.load_demo_gifts),
    ("Partner site", partner_sites.ensure_sandbox_site),
    ("Supplier catalogs", suppliers.load_demo_products),
    ("GamesDrop offers", suppliers.load_demo_offers),
    # Orders (purchases): add `giftoffice/demo/orders.py` and its steps here.
    ("Telegram purchase reports", reports.load_demo_reports),
]

__all__ = ["STEPS", "ensure_admin"]
