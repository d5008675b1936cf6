"""Durable broadcasts: the delivery ledger, the workers that drain it, their rate limits
and the reconciliation of deliveries a crashed worker left in doubt.

Core, not a feature: the CLI (``elci campaign``), the chat commands and ``elci worker``
all use it. See ``storage.campaigns`` for the tables.
"""
