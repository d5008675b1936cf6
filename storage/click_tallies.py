"""Clicks per link, day and kind, kept once the click records themselves have aged out.

A click record says something about its visitor (a hash of their network, their kind of
device, where they came from); the tally says only how many people clicked a colleague's
link that day, which is what reports need for periods older than the retention.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class ClickTally(SQLModel, table=True):
    day: date = Field(primary_key=True)
    code: str = Field(foreign_key="sharelink.code", primary_key=True, max_length=32)
    human: bool = Field(primary_key=True)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str = Field(max_length=16)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    clicks: int
