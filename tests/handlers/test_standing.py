"""Points and standing as people see them: ``stats`` over 7, 30 or 90 days, the
leaderboards of the company and the department, leaving and rejoining them, ties, and
bad arguments. The ledger, share intents and clicks are seeded on both stores."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person, utcnow
from storage.points import PointEntry
from storage.tracking import Click, ShareIntent, ShareLink

_refs = itertools.count()


@pytest.fixture
def people(engine):
    """``people(name, department=None, leader=False)`` adds a person; returns the id."""

    def add(name: str, department: str | None = None, leader: bool = False, locale=None) -> int:
        roles = ["employee", "leader"] if leader else ["employee"]
        with session_scope(engine) as db:
            row = Person(
                email=f"{name.lower()}@example.com",
                name=name,
                department=department,
                roles=roles,
                locale=locale,
            )
            db.add(row)
            db.flush()
            assert row.id is not None
            return row.id

    return add


def earn(engine, person_id: int, points: int, days_ago: float = 1) -> None:
    with session_scope(engine) as db:
        db.add(
            PointEntry(
                person_id=person_id,
                kind="share_intent",
                ref=f"test:{next(_refs)}",
                points=points,
                created_at=utcnow() - timedelta(days=days_ago),
            )
        )


def link(engine, person_id: int, network: str) -> str:
    code = f"c{next(_refs)}"
    with session_scope(engine) as db:
        item = ContentItem(title="News", url=f"https://example.com/{code}", slug=code)
        db.add(item)
        db.flush()
        db.add(ShareLink(code=code, item_id=item.id, person_id=person_id, network=network))
    return code


def share(engine, person_id: int, network: str, days_ago: float, clicks=(), bots=0) -> None:
    """A share intent, then human clicks (days ago each) and ``bots`` previews right after."""
    code = link(engine, person_id, network)
    with session_scope(engine) as db:
        item_id = db.get(ShareLink, code).item_id
        at = utcnow() - timedelta(days=days_ago)
        db.add(
            ShareIntent(
                code=code, item_id=item_id, person_id=person_id, network=network, created_at=at
            )
        )
        for ago in clicks:
            db.add(
                Click(
                    code=code,
                    item_id=item_id,
                    person_id=person_id,
                    network=network,
                    human=True,
                    created_at=utcnow() - timedelta(days=ago),
                )
            )
        for _ in range(bots):
            db.add(
                Click(
                    code=code,
                    item_id=item_id,
                    person_id=person_id,
                    network=network,
                    human=False,
                    agent_class="bot",
                    created_at=at,
                )
            )


def hidden(engine, person_id: int) -> bool:
    with session_scope(engine) as db:
        return db.get(Person, person_id).leaderboard_hidden


async def said(chat, email: str, *lines: str) -> str:
    session, out = chat(email)
    for line in lines:
        await session.say(line)
    return out.getvalue()


async def test_stats_over_7_30_and_90_days(chat, people, engine) -> None:
    ayse = people("Ayse", "marketing")
    bora = people("Bora", "sales")
    deniz = people("Deniz", "marketing")
    gizem = people("Gizem", "marketing")
    for points, days in ((5, 2), (10, 20), (20, 60), (40, 200)):
        earn(engine, ayse, points, days)
    earn(engine, bora, 12, 3)
    earn(engine, deniz, 3, 1)
    earn(engine, gizem, 100, 1)
    with session_scope(engine) as db:
        db.get(Person, gizem).leaderboard_hidden = True
    share(engine, ayse, "linkedin", 1, clicks=(0.5, 3, 50), bots=4)
    share(engine, ayse, "linkedin", 10)
    share(engine, ayse, "x", 40, clicks=(40,))
    share(engine, bora, "facebook", 1, clicks=(1, 1))  # Bora's, not Ayşe's

    week = await said(chat, "ayse@example.com", "stats 7")
    assert "Your impact, last 7 days" in week
    assert "Points: 5 in this period · 75 in all" in week
    assert "Rank in the company: 2 of 3" in week  # Bora 12, Ayşe 5, Deniz 3; Gizem hidden
    assert "Rank in Marketing: 1 of 2" in week
    assert "Shares: LinkedIn 1" in week
    assert "Clicks on your links: 2" in week  # human clicks only

    month = await said(chat, "ayse@example.com", "stats")
    assert "Your impact, last 30 days" in month
    assert "Points: 15 in this period · 75 in all" in month
    assert "Rank in the company: 1 of 3" in month
    assert "Shares: LinkedIn 2" in month
    assert "Clicks on your links: 2" in month

    quarter = await said(chat, "ayse@example.com", "stats 90")
    assert "Points: 35 in this period · 75 in all" in quarter
    assert "Shares: LinkedIn 2 · X 1" in quarter
    assert "Clicks on your links: 4" in quarter

    # The period buttons change the card in place.
    clicked = await said(chat, "ayse@example.com", "stats 7", "!click 2")
    assert "Your impact, last 90 days" in clicked


async def test_stats_in_turkish_and_with_no_points(chat, people, engine) -> None:
    people("Mert", locale="tr")
    text = await said(chat, "mert@example.com", "istatistik 7")
    assert "Etkiniz, son 7 gün" in text
    assert "Puan: bu dönemde 0 · toplam 0" in text
    assert "Paylaşımlar: henüz yok" in text
    assert "Bu dönemde henüz puanınız olmadığı için sıranız da yok." in text


@pytest.mark.parametrize("args", ["stats 12", "stats abc", "stats 7 30", "stats -30"])
async def test_stats_with_a_bad_period_says_how_and_shows_nothing(chat, people, args) -> None:
    people("Ayse")
    text = await said(chat, "ayse@example.com", args)
    assert text.strip() == (
        "Type “stats” for the last 30 days, or “stats 7”, “stats 30” or “stats 90” for "
        "another period."
    )


async def test_leaderboard_shows_the_top_10_of_the_company_and_stars_leaders(
    chat, people, engine
) -> None:
    ids = [people(f"P{n:02d}", "sales" if n % 2 else "marketing") for n in range(1, 13)]
    for n, person_id in enumerate(ids, start=1):
        earn(engine, person_id, 100 - n)  # P01 first with 99 … P12 last with 88
    boss = people("Selin", "marketing", leader=True)
    earn(engine, boss, 95)
    earn(engine, ids[0], 500, days_ago=45)  # outside the default 30 days

    text = await said(chat, "p12@example.com", "leaderboard")
    assert "Leaderboard: the company, last 30 days" in text
    lines = [line.removeprefix("│ ") for line in text.splitlines() if line[2:3].isdigit()]
    assert lines == [
        "1. P01 — 99 points",
        "2. P02 — 98 points",
        "3. P03 — 97 points",
        "4. P04 — 96 points",
        "5. P05 — 95 points",
        "5. ★ Selin — 95 points",
        "7. P06 — 94 points",
        "8. P07 — 93 points",
        "9. P08 — 92 points",
        "10. P09 — 91 points",
    ]
    assert "★ marks our leaders." in text
    assert "You: 13 of 13, 88 points." in text

    quarter = await said(chat, "p12@example.com", "leaderboard 90")
    assert "1. P01 — 599 points" in quarter


async def test_leaderboard_of_my_department(chat, people, engine) -> None:
    ayse = people("Ayse", "marketing")
    bora = people("Bora", "sales")
    deniz = people("Deniz", "marketing")
    earn(engine, ayse, 10)
    earn(engine, bora, 50)
    earn(engine, deniz, 20)

    text = await said(chat, "ayse@example.com", "leaderboard department")
    assert "Leaderboard: Marketing, last 30 days" in text
    assert "1. Deniz — 20 points" in text
    assert "2. Ayse (you) — 10 points" in text
    assert "Bora" not in text

    switched = await said(chat, "ayse@example.com", "leaderboard", "!click 1")
    assert "Leaderboard: Marketing, last 30 days" in switched.split("└")[-2]

    turkish = await said(chat, "ayse@example.com", "lang tr", "SIRALAMA DEPARTMAN 7")
    assert "Sıralama: Pazarlama, son 7 gün" in turkish
    assert "2. Ayse (siz) — 10 puan" in turkish


async def test_without_a_department_there_is_no_department_board(chat, people) -> None:
    people("Ayse")
    text = await said(chat, "ayse@example.com", "leaderboard department")
    assert "No department leaderboard" in text
    assert "The directory has no department for you. Ask HR to add it." in text


async def test_ties_share_a_rank_and_the_next_rank_skips(chat, people, engine) -> None:
    for name, points in (("Ayse", 10), ("Bora", 10), ("Cem", 7), ("Deniz", 7), ("Eda", 1)):
        earn(engine, people(name), points)

    text = await said(chat, "eda@example.com", "leaderboard")
    assert [line for line in text.splitlines() if "—" in line] == [
        "│ 1. Ayse — 10 points",
        "│ 1. Bora — 10 points",
        "│ 3. Cem — 7 points",
        "│ 3. Deniz — 7 points",
        "│ 5. Eda (you) — 1 point",
    ]
    assert "Rank in the company: 3 of 5" in await said(chat, "deniz@example.com", "stats")


async def test_a_tie_at_the_tenth_place_keeps_everyone_tied(chat, people, engine) -> None:
    for n in range(1, 10):
        earn(engine, people(f"P{n}"), 100 - n)
    for name in ("Tie1", "Tie2"):
        earn(engine, people(name), 50)
    earn(engine, people("Last"), 10)

    text = await said(chat, "last@example.com", "leaderboard")
    assert "10. Tie1 — 50 points" in text and "10. Tie2 — 50 points" in text
    assert "Last (you)" not in text
    assert "You: 12 of 12, 10 points." in text


async def test_hide_and_show(chat, people, engine) -> None:
    ayse = people("Ayse", "marketing")
    bora = people("Bora", "marketing")
    cem = people("Cem", "marketing")
    earn(engine, ayse, 30)
    earn(engine, bora, 20)
    earn(engine, cem, 10)

    text = await said(chat, "ayse@example.com", "leaderboard hide")
    assert "you have left the leaderboards" in text
    assert hidden(engine, ayse)

    board = await said(chat, "bora@example.com", "leaderboard", "leaderboard department")
    assert "Ayse" not in board
    assert "1. Bora (you) — 20 points" in board and "2. Cem — 10 points" in board
    assert "Rank in the company: 2 of 2" in await said(chat, "cem@example.com", "stats")

    mine = await said(chat, "ayse@example.com", "stats", "leaderboard")
    assert "Points: 30 in this period · 30 in all" in mine  # still sees her own points
    assert "Rank in the company" not in mine
    assert "You have left the leaderboards, so you are not ranked." in mine
    assert "[2] Show me again" in mine

    await said(chat, "ayse@example.com", "leaderboard göster")
    assert not hidden(engine, ayse)
    assert "1. Ayse — 30 points" in await said(chat, "bora@example.com", "leaderboard")

    # The button does the same, in place.
    pressed = await said(chat, "ayse@example.com", "leaderboard", "!click 2")
    assert hidden(engine, ayse)
    assert "You have left the leaderboards: only you see your points" in pressed


@pytest.mark.parametrize(
    "args", ["leaderboard everyone", "leaderboard hide 7", "leaderboard 12", "leaderboard show x"]
)
async def test_leaderboard_with_bad_words_says_how_and_changes_nothing(
    chat, people, engine, args
) -> None:
    ayse = people("Ayse")
    text = await said(chat, "ayse@example.com", args)
    assert text.strip().startswith("Type “leaderboard” for the company")
    assert not hidden(engine, ayse)
