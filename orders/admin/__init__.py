"""Admin of the orders app, one module per area."""

from orders.admin import orders, reports  # noqa: F401
