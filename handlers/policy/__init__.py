"""The social media policy and its training: read, acknowledge, train, then share.

Other features call :func:`handlers.policy.gate.gate` before sharing or submitting.
"""

from __future__ import annotations

from bot.router import Router
from handlers.policy import reading, training

router = Router()
router.include(reading.router)
router.include(training.router)
