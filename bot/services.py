"""The app object: everything a turn needs that lives as long as the process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.router import Router


@dataclass
class Services:
    settings: Settings
    engine: Engine
    router: Router
    catalogs: Catalogs
    outbound: Outbound
