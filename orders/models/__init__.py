from orders.models.balances import BalanceReading
from orders.models.campaigns import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignRun,
    CampaignSale,
    CampaignStatus,
    PollRun,
)
from orders.models.keys import PurchaseKey, PurchaseKind
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
from orders.models.reports import (
    REPORT_TRANSITIONS,
    PurchaseReport,
    ReportResult,
    ReportSender,
    ReportStatus,
)

__all__ = [
    "CAMPAIGN_TRANSITIONS",
    "ORDER_TRANSITIONS",
    "REPORT_TRANSITIONS",
    "BalanceReading",
    "Campaign",
    "CampaignRun",
    "CampaignSale",
    "CampaignStatus",
    "ExchangeRate",
    "OrderEvent",
    "OrderStatus",
    "PollRun",
    "PurchaseKey",
    "PurchaseKind",
    "PurchaseReport",
    "ReportResult",
    "ReportSender",
    "ReportStatus",
    "Sale",
    "SaleType",
    "Supplier",
    "SupplierOrder",
    "new_transaction_id",
]
