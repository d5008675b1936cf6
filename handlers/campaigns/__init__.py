"""Campaigns from chat, for HR: ``campaign new|send|status|cancel|list``.

Everything goes through the delivery ledger (``bot.delivery.ledger``), the same one the
CLI uses; the workers in ``elci serve`` and ``elci worker`` do the sending.
"""

from __future__ import annotations

from handlers.campaigns.commands import router

__all__ = ["router"]
