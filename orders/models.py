"""Purchases from suppliers (Giftly, GamesDrop) land here in a later step."""
