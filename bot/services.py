"""The app object: everything a turn needs that lives as long as the process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.i18n import Catalogs
from bot.identity import IdentityCache
from bot.outbound import Outbound
from bot.router import Router


@dataclass
class Services:
    settings: Settings
    engine: Engine
    router: Router
    catalogs: Catalogs
    outbound: Outbound
    # What a feature builds once per process and reuses (the fitted request router, …),
    # by the feature's own key; never shared state between processes.
    cache: dict[str, Any] = field(default_factory=dict)
    identities: IdentityCache = field(default_factory=IdentityCache)
