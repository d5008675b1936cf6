"""A department named by the requester (``ask hukuk …``, ``ask "customer relations" …``).

Keys and names in every language match in any case, Turkish-aware and with or without
Turkish letters, and with a typo or two (``ask hukk``, ``ask markting``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.routing.normalize import normalize
from bot.routing.vocabulary import Desk

CUTOFF = 0.8  # how alike a typed name must be (difflib ratio); ``hukk`` ~ ``hukuk`` is 0.89
MAX_NAME_WORDS = 3


def find_desk(typed: str, desks: Sequence[Desk], *, near: bool = True) -> Desk | None:
    """The desk ``typed`` names, or None. With ``near``, a name with as many words and a
    typo or two matches too."""
    wanted = normalize(typed)
    if not wanted:
        return None
    names = {
        normalize(name): desk
        for desk in desks
        for name in (desk.key, desk.key.replace("-", " "), *(n for _, n in desk.names))
    }
    if wanted in names or not near:
        return names.get(wanted)
    if len(wanted) < 4:  # too short to guess: "it" is a name, "is" is not a typo of it
        return None
    alike = [name for name in names if name.count(" ") == wanted.count(" ")]
    close = difflib.get_close_matches(wanted, alike, n=1, cutoff=CUTOFF)
    return names[close[0]] if close else None


def split_named(words: Sequence[str], desks: Sequence[Desk]) -> tuple[Desk | None, str]:
    """A leading department name and the rest of the request. Exact names first, then
    near ones; the longest name that leaves some text wins, so ``ask customer relations
    my order`` goes to Customer Relations, not to a department called ``customer``."""
    for near in (False, True):
        for size in range(min(MAX_NAME_WORDS, len(words) - 1), 0, -1):
            desk = find_desk(" ".join(words[:size]), desks, near=near)
            if desk is not None:
                return desk, " ".join(words[size:])
    return None, " ".join(words)
