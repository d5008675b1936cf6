"""How networks and departments are named to the reader."""

from __future__ import annotations

from typing import Final

from bot.context import Context

NETWORK_NAMES: Final = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network.capitalize())


def department_name(ctx: Context, key: str) -> str:
    """The configured name in the reader's language; the key when the config lacks it."""
    for department in ctx.services.settings.config.departments:
        if department.key == key:
            return department.name(ctx.locale)
    return key
