"""Share links already shared, for tests and benchmarks that click on ``/r/{code}``.

A pure helper (no fixtures), so ``bench/replicas.py`` can use it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from storage.people import utcnow
from storage.tracking import ShareIntent, ShareLink
from tests.support.campaigns import add_content


def add_shared_links(engine: Engine, person_ids: Sequence[int]) -> list[str]:
    """One item, each person's LinkedIn link to it and a share of it an hour ago, written
    in bulk; the codes, in the order of ``person_ids``."""
    item = add_content(engine)
    codes = [uuid.uuid4().hex[:22] for _ in person_ids]
    now, past = utcnow(), utcnow() - timedelta(hours=1)
    links = [
        {"code": code, "item_id": item, "person_id": person, "network": "linkedin"}
        for code, person in zip(codes, person_ids, strict=True)
    ]
    with engine.begin() as connection:
        connection.execute(insert(ShareLink), [{**link, "created_at": now} for link in links])
        connection.execute(insert(ShareIntent), [{**link, "created_at": past} for link in links])
    return codes
