"""First-party share tracking: one unguessable link per (item, person, network), the share
intents recorded when it is used, and the clicks on the shared link.

Clicks keep no raw IP and no email: a keyed hash of the truncated address at most, and
the advocate only by person id inside our own database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.people import utcnow


class ShareLink(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "person_id", "network"),)

    code: str = Field(primary_key=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str = Field(max_length=16)
    caption_index: int = Field(default=0)
    campaign: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class ShareIntent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(foreign_key="sharelink.code", index=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Click(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(foreign_key="sharelink.code", index=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str = Field(max_length=16)
    method: str = Field(default="GET", max_length=8)
    human: bool = Field(default=True)
    agent_class: str = Field(default="other", max_length=16)
    referrer_host: str | None = Field(default=None, max_length=255)
    ip_hash: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, index=True)
