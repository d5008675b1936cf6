"""Words that say nothing about a department, in their normalized spelling.

Left in, their n-grams (``the``, ``bir``, ``istiyorum``) tie requests to whichever
department's examples happen to use them most. Kept short on purpose: a word that could
name a topic (``call``, ``bill``, ``izin``) never belongs here.
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH: Final = _words(
    """
    a about after again all also am an and any are as at be been before being both but by
    can could did do does doing don for from get got had has have having he her here hers
    him his how i if in into is it its just let me might more most my myself
    no not now of off on once only or other our ours out over please same she should so
    some such than that the their theirs them then there these they this those through to
    too under until up us very was we were what when where which while who whom whose why
    will with would you your yours yourself since still yet ok someone something anyone
    """
)

# Normalized (see ``bot.routing.normalize``): ``ı`` is ``i``, ``ş`` is ``s`` and so on.
TURKISH: Final = _words(
    """
    acaba ama ancak artik asla bana bazi belki ben beni benim beri bile bir biraz birkac
    biz bize bizi bizim bu buna bunu bunun cok da daha de degil diye en fakat gibi hala
    hangi hem hep her herhangi hic icin ile ise iste kadar ki kim kime kimi kimin mi mu mi
    miyim miyiz misiniz musunuz misin mu muyum ne neden nasil nerede nereden nereye o ona
    onu onun sonra simdi su sadece sen seni siz size sizi sizin ve veya ya yani yine
    istiyorum istiyor istiyoruz lazim gerekiyor
    """
)

ALL: Final = ENGLISH | TURKISH
