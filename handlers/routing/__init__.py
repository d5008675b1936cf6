"""Requests to departments: ``ask``, the queues, the SLA and the misroute statistics.

The classifier and the vocabulary live in the core (``bot.routing``) so that ``elci
route`` shares them; this feature is the conversation around them.
"""

from __future__ import annotations

from bot.router import Router
from handlers.routing import ask, queue, sla

router = Router()
router.include(ask.router)
router.include(queue.router)
router.include(sla.router)
