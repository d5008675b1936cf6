"""What ``elci serve`` and ``elci worker`` do to their heap before serving."""

from __future__ import annotations

import gc

from bot.cli.setup import freeze_startup_heap


def test_the_start_up_heap_is_left_out_of_later_collections() -> None:
    built_at_start = {"wired": ["app"]}
    try:
        freeze_startup_heap()
        made_later = {"request": ["hit"]}
        walked = {id(item) for item in gc.get_objects()}
        # A full collection walks what gc.get_objects() lists: no longer the start-up heap.
        assert id(built_at_start) not in walked
        assert id(made_later) in walked
        assert gc.get_freeze_count() > len(walked)
    finally:
        gc.unfreeze()
