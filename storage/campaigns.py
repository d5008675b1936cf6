"""Campaigns and their delivery ledger: one row per (campaign, person), the source of truth.

A campaign names what to send (content items and an optional message) and to whom
(audience selectors). ``send`` expands the audience into ``Delivery`` rows in the same
transaction that marks the campaign as sending; workers then claim rows with a lease, and
every outcome is written back to the row. Nothing about a broadcast lives anywhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.people import utcnow

CampaignStatus = Literal["draft", "scheduled", "sending", "done", "cancelled"]
DeliveryStatus = Literal["pending", "claimed", "sent", "dead", "cancelled"]
"""``claimed``: a worker holds the row until ``lease_until``; a claimed row whose lease ran
out is *in doubt* (the worker may have sent before it died) and is reconciled first.
``dead``: a permanent failure (the reason is in ``error``), replayable by HR."""


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # KPI targets: shares, human_clicks, participation_rate, time_to_first_share_hours.
    kpis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    content_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Pilot wave: these selectors (e.g. role:group:pilot, role:leader) get it first; the
    # rest follow ``rest_after_minutes`` later, or when HR approves (``rest_approved``).
    pilot: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rest_after_minutes: int | None = Field(default=None)
    rest_approved: bool = Field(default=False)
    start_at: datetime | None = Field(default=None)
    status: str = Field(default="draft", max_length=16, index=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = Field(default=None)


class Delivery(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_delivery_queue", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    platform: str = Field(max_length=16)
    wave: int = Field(default=1)  # 0 the pilot, 1 the rest
    status: str = Field(default="pending", max_length=16)
    not_before: datetime = Field(default_factory=utcnow)
    attempts: int = Field(default=0)
    # Times found claimed after its worker vanished, or failed without a refusal (a
    # timeout, a 5xx): the message may have arrived, so it is reconciled before a resend.
    doubts: int = Field(default=0)
    # When a row in doubt, with no way to check it had arrived (Teams), was sent again and
    # that resend arrived; written at once, before the batch's outcomes, so a row in doubt
    # once more counts as sent (resent at most once) and a lost resend is never assumed.
    resent_at: datetime | None = Field(default=None)
    claim: str | None = Field(default=None, max_length=40, index=True)
    lease_until: datetime | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
