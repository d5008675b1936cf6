"""Microsoft Teams: Bot Framework activities in, Adaptive Cards 1.5 out (botbuilder).

Every ``botbuilder``/``botframework`` import of the project lives in this package, so a
move to the Microsoft 365 Agents SDK touches this folder only. Converters are pure
(``inbound``: activity to neutral event, ``render``: neutral reply to card); ``endpoint``
is the HTTP side, ``turn`` the SDK callback, ``outbound`` the proactive ``Sender``,
``manifest`` the app package. ``app`` is what the composition root calls.
"""

from adapters.teams.app import mount_teams, teams_sender
from adapters.teams.config import TeamsConfigError, UnsafeEmulatorMode
from adapters.teams.connection import TeamsConnection
from adapters.teams.manifest import teams_manifest
from adapters.teams.outbound import TeamsSender

__all__ = [
    "TeamsConfigError",
    "TeamsConnection",
    "TeamsSender",
    "UnsafeEmulatorMode",
    "mount_teams",
    "teams_manifest",
    "teams_sender",
]
