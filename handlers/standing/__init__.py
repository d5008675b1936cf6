"""Standing: my points and rank (``stats``) and the leaderboards (``leaderboard``).

Points come from the ledger (``storage.points``); the values per deed from the YAML's
``points`` section, through :func:`bot.points.points_for`.
"""

from __future__ import annotations

from bot.router import Router
from handlers.standing import leaderboard, stats

router = Router()
router.include(stats.router)
router.include(leaderboard.router)
