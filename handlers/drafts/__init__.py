"""Employee bloggers: submit a draft from chat, get the policy check at once, follow its
review, see it published and shared.

``submit`` opens the draft form; ``drafts`` lists mine; reviewers get a card per draft and
``review`` lists their queue. The policy check is :mod:`bot.lint` (shared with
``elci lint``); who reviews is the ``review`` section of the YAML.
"""

from __future__ import annotations

from bot.config import Config
from bot.lint import rules_of
from bot.router import Router
from handlers.drafts import authoring, jobs, reviewing
from handlers.drafts.config import review_config

router = Router()
router.include(authoring.router)
router.include(reviewing.router)
router.include(jobs.router)


def check_config(config: Config) -> None:
    """Parse the ``lint`` and ``review`` sections, so a mistake stops start-up."""
    rules_of(config)
    review_config(config)
