from orders.models.orders import (
    ORDER_TRANSITIONS,
    OrderEvent,
    OrderStatus,
    Sale,
    SaleType,
    Supplier,
    SupplierOrder,
    new_transaction_id,
)
from orders.models.rates import ExchangeRate
from orders.models.reports import REPORT_TRANSITIONS, PurchaseReport, ReportResult, ReportStatus

__all__ = [
    "ORDER_TRANSITIONS",
    "REPORT_TRANSITIONS",
    "ExchangeRate",
    "OrderEvent",
    "OrderStatus",
    "PurchaseReport",
    "ReportResult",
    "ReportStatus",
    "Sale",
    "SaleType",
    "Supplier",
    "SupplierOrder",
    "new_transaction_id",
]
