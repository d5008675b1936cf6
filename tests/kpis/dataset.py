"""A small data set with answers worked out by hand, for the KPI tests.

Fifteen recipients of campaign "Launch" (items A and B; pilot wave p1–p5 sent at T0, the
rest p6–p15 a day later at T1), one more person whose delivery failed, and events that
must not count: a share of A before the delivery (from the feed), a share of item C
(not in the campaign), clicks judged not human (HEAD, bot, preview).

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

from storage.campaigns import Campaign, Delivery
from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person
from storage.tracking import Click, ShareIntent, ShareLink

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
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
                location=_location(n), roles=roles,
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

        def share(who: str, item: str, network: str, at: datetime) -> str:
            code = f"{who}{item}{network}"
            if session.get(ShareLink, code) is None:
                session.add(ShareLink(code=code, item_id=items[item], person_id=people[who],
                                      network=network))  # fmt: skip
                session.flush()
            session.add(ShareIntent(code=code, item_id=items[item], person_id=people[who],
                                    network=network, created_at=at))  # fmt: skip
            return code

        share("p1", "A", "linkedin", T0 + HOUR)
        share("p1", "A", "x", T0 + 3 * HOUR)
        share("p2", "B", "linkedin", T0 + 2 * HOUR)
        share("p3", "A", "facebook", T0 + 5 * HOUR)
        share("p6", "A", "linkedin", T1 + 4 * HOUR)
        share("p7", "B", "x", T1 + HOUR)
        share("p7", "B", "linkedin", T1 + 2 * HOUR)
        share("p13", "A", "linkedin", T1 + 3 * HOUR)
        early = share("p9", "A", "linkedin", T0 - timedelta(days=1))  # before the delivery
        share("p10", "C", "linkedin", T1 + HOUR)  # not a campaign item

        def click(code: str, at: datetime, visitor: str, human: bool = True,
                  method: str = "GET", agent: str = "browser") -> None:  # fmt: skip
            link = session.get(ShareLink, code)
            assert link is not None
            session.add(Click(code=code, item_id=link.item_id, person_id=link.person_id,
                              network=link.network, method=method, human=human,
                              agent_class=agent, ip_hash=visitor, created_at=at))  # fmt: skip

        for visitor in ("h1", "h2", "h1"):
            click("p1Alinkedin", T0 + 2 * HOUR, visitor)
        click("p1Alinkedin", T0 + 2 * HOUR, "h5", human=False, method="HEAD")
        click("p1Alinkedin", T0 + 2 * HOUR, "h6", human=False, agent="bot")
        click("p2Blinkedin", T0 + 2 * HOUR, "h7", human=False)  # a preview, too soon
        for visitor in ("h3", "h4"):
            click("p7Bx", T1 + 3 * HOUR, visitor)
        click(early, T0 - timedelta(hours=12), "h8")  # before p9's delivery
        assert campaign.id is not None
        return Seeded(campaign.id, people, items)
