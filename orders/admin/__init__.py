"""Admin of the orders app, one module per area."""

from orders.admin import reports  # noqa: F401
