"""Deliveries: planned for new posts, composed as messages, sent from the outbox; digests."""
