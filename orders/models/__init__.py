from orders.models.campaigns import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignRun,
    CampaignSale,
    CampaignStatus,
    PollRun,
)
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

__all__ = [
    "CAMPAIGN_TRANSITIONS",
    "ORDER_TRANSITIONS",
    "Campaign",
    "CampaignRun",
    "CampaignSale",
    "CampaignStatus",
    "OrderEvent",
    "OrderStatus",
    "PollRun",
    "Sale",
    "SaleType",
    "Supplier",
    "SupplierOrder",
    "new_transaction_id",
]
