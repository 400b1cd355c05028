"""Business logic, one module per area (gifts, api_keys, offers, products, push)."""
