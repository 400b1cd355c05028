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
    "ORDER_TRANSITIONS",
    "OrderEvent",
    "OrderStatus",
    "Sale",
    "SaleType",
    "Supplier",
    "SupplierOrder",
    "new_transaction_id",
]
