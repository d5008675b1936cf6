"""A small data set with answers worked out by hand, for the KPI tests.

Fifteen recipients of campaign "Launch" (items A and B; pilot wave p1–p5 sent at T0, the
rest p6–p15 a day later at T1), one more person whose delivery failed, and events that
must not count for the campaign: a share of A from the feed before the delivery, a share
of item C (not in the campaign), both without the campaign's id, and clicks judged not
human (HEAD, bot, preview).

    department  people        location   leaders
    sales       p1..p6        İstanbul   p1 p2 p3
    it          p7..p12       Ankara (p12 İzmir)   p7 p8
    legal       p13..p15      İstanbul
    hr          p16 (delivery failed)

Shares counted (hours after the person's delivery):
    p1 A linkedin +1, A x +3 · p2 B linkedin +2 · p3 A facebook +5 (pilot)
    p6 A linkedin +4 · p7 B x +1, B linkedin +2 · p13 A linkedin +3 (rest)
Human clicks: p1's A/linkedin link 3 (visitors h1, h2, h1), p7's B/x link 2 (h3, h4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import requests
from storage.campaigns import Campaign, Delivery
from storage.content import ContentItem
from storage.drafts import Draft, Review
from storage.engine import session_scope
from storage.people import Person
from storage.points import PointEntry
from storage.tracking import Click, ShareIntent, ShareLink

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
NOW = T1 + timedelta(days=2)
HOUR = timedelta(hours=1)
TARGETS = {"shares": 10, "human_clicks": 4, "participation_rate": 0.5,
           "time_to_first_share_hours": 2}  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    campaign_id: int
    people: dict[str, int]  # "p1" -> person id
    items: dict[str, int]  # "A" -> item id


def _department(n: int) -> str:
    return "sales" if n <= 6 else "it" if n <= 12 else "legal" if n <= 15 else "hr"


def _location(n: int) -> str:
    return "Ankara" if 7 <= n <= 11 else "İzmir" if n == 12 else "İstanbul"


def seed(engine: Engine) -> Seeded:
    with session_scope(engine) as session:
        people = {}
        for n in range(1, 17):
            roles = ["employee", "leader"] if n in (1, 2, 3, 7, 8) else ["employee"]
            if n <= 5:
                roles.append("group:pilot")
            person = Person(
                email=f"p{n}@example.com", name=f"Kişi {n}", department=_department(n),
                location=_location(n), roles=roles, leaderboard_hidden=n == 3,
                created_at=T0 - timedelta(days=60),
            )  # fmt: skip
            session.add(person)
            session.flush()
            people[f"p{n}"] = person.id
        items = {}
        for key in "ABC":
            item = ContentItem(title=f"Item {key}", url=f"https://example.com/{key}", slug=key)
            session.add(item)
            session.flush()
            items[key] = item.id
        campaign = Campaign(
            name="Launch", content_ids=[items["A"], items["B"]], audience=["all"],
            pilot=["role:group:pilot"], kpis=TARGETS, status="done", started_at=T0,
        )  # fmt: skip
        session.add(campaign)
        session.flush()
        for n in range(1, 17):
            sent = n <= 15
            session.add(
                Delivery(
                    campaign_id=campaign.id, person_id=people[f"p{n}"], platform="slack",
                    wave=0 if n <= 5 else 1, status="sent" if sent else "dead",
                    sent_at=(T0 if n <= 5 else T1) if sent else None,
                )
            )  # fmt: skip
        session.flush()

        def share(who: str, item: str, network: str, at: datetime, by: int | None) -> str:
            """An intent on this person's link, brought by campaign ``by`` (or none)."""
            code = f"{who}{item}{network}"
            if session.get(ShareLink, code) is None:
                session.add(ShareLink(code=code, item_id=items[item], person_id=people[who],
                                      network=network, campaign_id=by))  # fmt: skip
                session.flush()
            session.add(ShareIntent(code=code, item_id=items[item], person_id=people[who],
                                    network=network, created_at=at, campaign_id=by))  # fmt: skip
            return code

        share("p1", "A", "linkedin", T0 + HOUR, campaign.id)
        share("p1", "A", "x", T0 + 3 * HOUR, campaign.id)
        share("p2", "B", "linkedin", T0 + 2 * HOUR, campaign.id)
        share("p3", "A", "facebook", T0 + 5 * HOUR, campaign.id)
        share("p6", "A", "linkedin", T1 + 4 * HOUR, campaign.id)
        share("p7", "B", "x", T1 + HOUR, campaign.id)
        share("p7", "B", "linkedin", T1 + 2 * HOUR, campaign.id)
        share("p13", "A", "linkedin", T1 + 3 * HOUR, campaign.id)
        # From the feed, not the campaign: before p9's delivery, and an item it lacks.
        early = share("p9", "A", "linkedin", T0 - timedelta(days=1), None)
        share("p10", "C", "linkedin", T1 + HOUR, None)

        def click(code: str, at: datetime, visitor: str, human: bool = True,
                  method: str = "GET", agent: str = "browser") -> None:  # fmt: skip
            link = session.get(ShareLink, code)
            assert link is not None
            session.add(Click(code=code, item_id=link.item_id, person_id=link.person_id,
                              network=link.network, method=method, human=human,
                              agent_class=agent, ip_hash=visitor, created_at=at,
                              campaign_id=link.campaign_id))  # fmt: skip

        for visitor in ("h1", "h2", "h1"):
            click("p1Alinkedin", T0 + 2 * HOUR, visitor)
        click("p1Alinkedin", T0 + 2 * HOUR, "h5", human=False, method="HEAD")
        click("p1Alinkedin", T0 + 2 * HOUR, "h6", human=False, agent="bot")
        click("p2Blinkedin", T0 + 2 * HOUR, "h7", human=False)  # a preview, too soon
        for visitor in ("h3", "h4"):
            click("p7Bx", T1 + 3 * HOUR, visitor)
        click(early, T0 - timedelta(hours=12), "h8")  # before p9's delivery
        session.add(ShareLink(code="p4Alinkedin", item_id=items["A"], person_id=people["p4"],
                              network="linkedin"))  # shown, never shared  # fmt: skip
        for who, points in (("p1", 12), ("p7", 12), ("p2", 5), ("p3", 20)):
            session.add(PointEntry(person_id=people[who], kind="share_intent", ref=who,
                                   points=points, created_at=T0 + HOUR))  # fmt: skip
        _requests(session, people)
        _drafts(session, people)
        assert campaign.id is not None
        return Seeded(campaign.id, people, items)


def _requests(session: Session, people: dict[str, int]) -> None:
    """Routing, with the shipped SLAs (it 4 h, sales 8 h, legal 48 h), judged at ``NOW``:

    it    r1 answered in 2 h; r2 in 6 h (late); r3 unanswered for days (late)
    legal r4, first sent to it and reassigned (an it misroute), answered in 1 h
    sales r5 answered in 10 h (late), "wrong department"; r6 in 1 h, "right"
    r7 still choosing a department (not counted)
    """
    rows = [
        ("it", "it", requests.RESOLVED, T0, 2, 0, None),
        ("it", "it", requests.RESOLVED, T0, 6, 0, None),
        ("it", "it", requests.OPEN, T0, None, 0, None),
        ("legal", "it", requests.CLAIMED, T1, 1, 1, None),
        ("sales", "sales", requests.CLAIMED, T0, 10, 0, False),
        ("sales", "sales", requests.RESOLVED, T0, 1, 0, True),
        (None, None, requests.CHOOSING, None, None, 0, None),
    ]
    for department, first, status, routed, answered, moved, right in rows:
        session.add(requests.SupportRequest(
            requester_id=people["p5"], text="help", status=status, department=department,
            first_department=first, routed_at=routed, created_at=T0 - HOUR,
            first_response_at=routed + answered * HOUR if routed and answered else None,
            reassignments=moved, right_department=right,
        ))  # fmt: skip


def _drafts(session: Session, people: dict[str, int]) -> None:
    """Six drafts (d6 a month older) and the reviews decided after 2, 10, 4 and 6 hours."""
    statuses = ["published", "rejected", "in_review", "changes_requested", "approved",
                "published"]  # fmt: skip
    ids = []
    for n, status in enumerate(statuses, start=1):
        created = T0 - timedelta(days=30) if n == 6 else T0
        draft = Draft(author_id=people["p4"], status=status, created_at=created)
        session.add(draft)
        session.flush()
        ids.append(draft.id)
    reviews = [
        (0, "marketing", "approved", 2), (0, "legal", "approved", 10),
        (1, "marketing", "rejected", 4), (3, "marketing", "changes", 6),
        (2, "marketing", "pending", None), (4, "legal", "closed", 1),
    ]  # fmt: skip
    for index, department, state, took in reviews:
        session.add(Review(
            draft_id=ids[index], version=1, department=department, state=state,
            created_at=T0, decided_at=T0 + took * HOUR if took else None,
        ))  # fmt: skip
