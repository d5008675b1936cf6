"""A person with something in every table that can hold data about them, and a colleague
whose data must survive their erasure untouched."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.campaigns import Campaign, Delivery
from storage.content import ContentItem, Dismissal
from storage.dashboard import DashboardSession, SignInLink
from storage.drafts import Draft, DraftEvent, DraftVersion, Review
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, utcnow
from storage.points import PointEntry
from storage.policy import PolicyAcknowledgement, TrainingResult
from storage.requests import RequestReply, SupportRequest
from storage.tables import metadata
from storage.tracking import Click, ShareIntent, ShareLink

AYSE = "ayse@example.com"
CEM = "cem@example.com"
DRAFT_BODY = "Our quarterly numbers are great, proud of the team in Kadıköy"
REQUEST_TEXT = "My laptop at home in Beşiktaş does not start"
REVIEW_COMMENT = "Looks fine to me, Ayşe"
AGENT_REPLY = "I will call you on your mobile tomorrow"
CEM_REQUEST = "The printer on the third floor jams"


@dataclass(frozen=True)
class Seeded:
    ayse: int
    cem: int
    campaign: int
    just_her: int


def seed(engine: Engine) -> Seeded:
    now = utcnow()
    with session_scope(engine) as db:
        ayse = Person(
            email=AYSE, name="Ayşe Yılmaz", department="marketing", location="İstanbul",
            title="Brand Lead", locale="tr", timezone="Europe/Istanbul", slack_user_id="U0AYSE",
            roles=["employee", "blogger", "reviewer"],
        )  # fmt: skip
        cem = Person(
            email=CEM, name="Cem Kaya", department="it", manager_email=AYSE,
            roles=["employee", "agent", "hr"],
        )  # fmt: skip
        db.add_all([ayse, cem])
        db.flush()
        assert ayse.id is not None and cem.id is not None
        db.add(PlatformAccount(platform="slack", user_id="U0AYSE", person_id=ayse.id, email=AYSE,
                               conversation_ref={"channel": "D0AYSE"}))  # fmt: skip
        db.add(PlatformAccount(platform="slack", user_id="U0CEM", person_id=cem.id, email=CEM))
        # Her Teams account, from before the directory knew her: linked by email only.
        db.add(PlatformAccount(platform="teams", user_id="29:teams-ayse", email=AYSE))
        item = ContentItem(title="News", url="https://example.com/news", slug="news",
                           created_by=cem.id,
                           audience=[f"person:{AYSE}", "department:it"])  # fmt: skip
        other = ContentItem(title="Other", url="https://example.com/other", slug="other")
        db.add_all([item, other])
        db.flush()
        campaign = Campaign(name="Launch", created_by=cem.id, audience=["all"], status="sending")
        just_her = Campaign(name="Just her", audience=[f"person:{AYSE}"], pilot=[f"person:{AYSE}"])
        db.add_all([campaign, just_her])
        db.flush()
        for person in (ayse, cem):
            db.add(Delivery(campaign_id=campaign.id, person_id=person.id, platform="slack",
                            status="sent", error="channel_not_found for U0AYSE"
                            if person is ayse else None))  # fmt: skip
            code = f"code{person.id:018d}"
            db.add(ShareLink(code=code, item_id=item.id, person_id=person.id, network="linkedin"))
            db.flush()
            db.add(ShareIntent(code=code, item_id=item.id, person_id=person.id,
                               network="linkedin"))  # fmt: skip
            db.add(Click(code=code, item_id=item.id, person_id=person.id, network="linkedin",
                         ip_hash="ab" * 16))  # fmt: skip
            db.add(PointEntry(person_id=person.id, kind="share_intent", ref=f"intent:{code}",
                              points=5))  # fmt: skip
        db.add(Dismissal(item_id=other.id, person_id=ayse.id))
        draft = Draft(author_id=ayse.id, status="in_review")
        db.add(draft)
        db.flush()
        db.add(DraftVersion(draft_id=draft.id, number=1, title="Q3", body=DRAFT_BODY,
                            link="https://example.com/q3", networks=["linkedin"]))  # fmt: skip
        db.add(Review(draft_id=draft.id, version=1, department="marketing", reviewer_id=cem.id,
                      comment="Please add a source"))  # fmt: skip
        db.add(DraftEvent(draft_id=draft.id, version=1, kind="submitted", actor_id=ayse.id,
                          note=DRAFT_BODY[:20]))  # fmt: skip
        cems_draft = Draft(author_id=cem.id, status="in_review")
        db.add(cems_draft)
        db.flush()
        db.add(DraftVersion(draft_id=cems_draft.id, number=1, title="Cem's", body="Cem's body",
                            link="https://example.com/cem"))  # fmt: skip
        db.add(Review(draft_id=cems_draft.id, version=1, department="marketing",
                      reviewer_id=ayse.id, comment=REVIEW_COMMENT))  # fmt: skip
        request = SupportRequest(requester_id=ayse.id, text=REQUEST_TEXT, status="claimed",
                                 assignee_id=cem.id, terms=["laptop", "beşiktaş"])  # fmt: skip
        cems_request = SupportRequest(requester_id=cem.id, text=CEM_REQUEST, status="open")
        db.add_all([request, cems_request])
        db.flush()
        db.add(RequestReply(request_id=request.id, author_id=cem.id, text=AGENT_REPLY))
        db.add(PolicyAcknowledgement(person_id=ayse.id, version="2026-1"))
        db.add(TrainingResult(person_id=ayse.id, version="2026-1", score=4, total=4, passed=True))
        db.add(SignInLink(token_hash="a" * 64, person_id=ayse.id, expires_at=now + timedelta(1)))
        db.add(DashboardSession(token_hash="b" * 64, person_id=ayse.id,
                                expires_at=now + timedelta(1)))  # fmt: skip
        return Seeded(ayse.id, cem.id, campaign.id or 0, just_her.id or 0)


def everything(engine: Engine) -> str:
    """Every row of every table, as one text to search for traces."""
    with engine.connect() as connection:
        return json.dumps(
            {
                table.name: [list(row) for row in connection.execute(select(table))]
                for table in metadata.sorted_tables
            },
            ensure_ascii=False,
            default=str,
        )
