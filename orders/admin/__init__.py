"""Admin of the orders app, one module per area."""

# campaigns and gifts re-register catalog admins (docs/architecture.md): after the catalog's, in this order.
from orders.admin import balances, campaigns, gifts, orders, reports  # noqa: F401
