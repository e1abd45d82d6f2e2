"""Relais: a Telegram bot that relays French news posts and answers questions about them."""

__version__ = "0.1.0"
