"""Roles and the one permission check every command, action and form goes through.

Groups (``group:<name>``) are roles too, so a pilot cohort can gate a feature exactly as
``hr`` does. Everyone in the directory is an employee; people the directory does not know
hold no role at all and can only reach the commands that need none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from bot.i18n import N_, Translator

EMPLOYEE: Final = "employee"
BLOGGER: Final = "blogger"
REVIEWER: Final = "reviewer"
AGENT: Final = "agent"
HR: Final = "hr"
LEADER: Final = "leader"

BASE_ROLES: Final = (EMPLOYEE, BLOGGER, REVIEWER, AGENT, HR, LEADER)
LABELS: Final = {
    EMPLOYEE: N_("employee"),
    BLOGGER: N_("blogger"),
    REVIEWER: N_("reviewer"),
    AGENT: N_("department agent"),
    HR: N_("HR"),
    LEADER: N_("leader"),
}
GROUP_PATTERN: Final = re.compile(r"^group:[a-z0-9][a-z0-9_-]{0,62}$")


def is_valid_role(name: str) -> bool:
    return name in BASE_ROLES or bool(GROUP_PATTERN.match(name))


def normalize_roles(names: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated, lower-cased, always including ``employee``."""
    roles = {name.strip().lower() for name in names if name.strip()}
    roles.add(EMPLOYEE)
    return sorted(roles)


def allows(held: Iterable[str], required: str | None) -> bool:
    """May someone holding ``held`` do what needs ``required``?

    ``None`` means open to anyone, even people not in the directory. No role implies
    another: reviewing, answering for a department and running campaigns are duties given
    by name, not ranks.
    """
    return required is None or required in set(held)


def role_label(tr: Translator, role: str) -> str:
    if role in LABELS:
        return tr.t(LABELS[role])
    return role.removeprefix("group:")
