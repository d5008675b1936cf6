"""Bloggers' drafts as people live them: a blogger and reviewers each in a console chat of
their own on the same services, the scheduler's jobs run by hand, storage checked on
both stores."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib.resources import files
from typing import Any

import pytest
import yaml
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat
from bot.jobs import JobContext
from bot.transport import DeliveryError
from bot.turn import Bot
from handlers.drafts import jobs
from storage.content import ContentItem
from storage.drafts import Draft, DraftEvent, DraftVersion, Review
from storage.engine import session_scope
from storage.people import Person, utcnow
from storage.points import PointEntry
from storage.tracking import ShareIntent, ShareLink
from tests.support.turns import Transcript

LINK = "https://example.com/blog/new-office"
ID_NUMBER = "10000000146"


class Consoles:
    """Every open console chat as one proactive sender: a message for someone goes to
    their terminal, and someone without one cannot be reached (like a blocked bot)."""

    platform = "console"

    def __init__(self) -> None:
        self.chats: dict[str, ConsoleChat] = {}
        self.broken: set[str] = set()

    async def deliver(self, user_id: str, ref: Any, reply: Any) -> None:
        if user_id in self.broken:
            raise RuntimeError("platform error")
        chat = self.chats.get(user_id)
        if chat is None:
            raise DeliveryError("not at a terminal", permanent=False)
        await chat.deliver(user_id, ref, reply)


def write_config(tmp_path, **changes) -> Any:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["content"]["allowed_domains"] = ["example.com"]
    raw["lint"]["disclosure"]["brands"] = ["Acme"]
    for key, value in changes.items():
        raw[key] = value
    path = tmp_path / "elci.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


class World:
    def __init__(self, services, engine) -> None:
        self.services = services
        self.engine = engine
        self.consoles = Consoles()
        services.outbound.add(self.consoles)

    async def chat(self, email: str, hello: bool = True) -> tuple[ConsoleChat, Transcript]:
        """A terminal for ``email``; saying hello links the account so Elçi can reach it."""
        out = Transcript()
        session = ConsoleChat(Bot(self.services).handle, email, out)
        self.consoles.chats[email] = session
        if hello:
            await session.say("help")
        return session, out

    def jobs(self) -> JobContext:
        return JobContext(self.services)

    def one(self, model, *where):
        with session_scope(self.engine) as db:
            return db.exec(select(model).where(*where)).one()

    def all(self, model, *where) -> list:
        with session_scope(self.engine) as db:
            return list(db.exec(select(model).where(*where)).all())

    def backdate(self, review_id: int, hours: float) -> None:
        with session_scope(self.engine) as db:
            review = db.get(Review, review_id)
            review.assigned_at = utcnow() - timedelta(hours=hours)
            review.next_try_at = None
            db.add(review)


@pytest.fixture
def people(engine):
    def add(email, department=None, roles=("employee",), locale=None, name=None, **extra):
        with session_scope(engine) as db:
            row = Person(
                email=email,
                name=name or email.split("@")[0].title(),
                department=department,
                roles=["employee", *roles],
                locale=locale,
                **extra,
            )
            db.add(row)
            db.flush()
            return row.id

    add("ayse@example.com", "sales", ("blogger",), name="Ayşe")
    add("mert@example.com", "marketing", ("reviewer",), name="Mert")
    add("melis@example.com", "marketing", ("reviewer",), name="Melis")
    add("deniz@example.com", "legal", ("reviewer",), name="Deniz", locale="tr")
    add("leyla@example.com", "marketing", ("leader",), name="Leyla")
    add("can@example.com", "sales", name="Can")
    return add


@pytest.fixture
def world(make_services, engine, tmp_path, people) -> World:
    return World(make_services(config=write_config(tmp_path)), engine)


async def fill(chat: ConsoleChat, *answers: str) -> None:
    for answer in answers:
        await chat.say(answer)


async def submit(chat: ConsoleChat, title: str, body: str, *, tags: str = "", link: str = LINK):
    await chat.say("submit")
    await fill(chat, title, body, link, "1,2", tags, "2")


def flat(out: Transcript) -> str:
    """The transcript with wrapped card lines joined again."""
    return out.getvalue().replace("\n│ ", " ")


def status_of(world: World, draft_id: int = 1) -> str:
    return world.one(Draft, col(Draft.id) == draft_id).status


# --- the whole flow ---------------------------------------------------------------------


async def test_submit_fix_review_change_approve_share(world, engine) -> None:
    ayse, ayse_out = await world.chat("ayse@example.com")
    mert, mert_out = await world.chat("mert@example.com")
    _melis, melis_out = await world.chat("melis@example.com")

    # 1. Submitted with an ID number and a phone: stored, blocked, the author sees where.
    body = f"Proud of our new office!\\nCall 0532 123 45 67, ID {ID_NUMBER}"
    await submit(ayse, "Our new office", body)
    text = ayse_out.getvalue()
    assert "Draft #1: Our new office" in text
    assert "blocked: fix what is marked ⛔, then edit it" in text
    assert f"⛔ Turkish ID number in the post, line 2: “{ID_NUMBER}”" in text
    assert "⚠️ phone number in the post, line 2: “0532 123 45 67”" in text
    assert status_of(world) == "blocked"
    assert world.all(Review) == []
    assert "Review for" not in mert_out.getvalue() + melis_out.getvalue()

    # 2. Fixed and sent again (the Edit button): version 2 goes to a marketing reviewer.
    await ayse.say("!click 1")
    await fill(ayse, "Our new office", "Proud of our new office!", LINK, "1,2", "", "2")
    assert status_of(world) == "in_review"
    assert "Policy check: nothing to fix." in ayse_out.getvalue()
    assert "in review: Marketing: Mert, waiting" in ayse_out.last_lines(12)[0] + ayse_out.getvalue()
    assert "Review for Marketing: Our new office" in mert_out.getvalue()
    assert "Proud of our new office!" in mert_out.getvalue()

    # 3. Mert asks for changes; his card is replaced, Ayşe hears it in her chat.
    await mert.say("!click 2")
    await mert.say("Please mention the team, and disclose: #çalışanıyım")
    assert "You asked for changes: “Please mention the team" in mert_out.getvalue()
    assert mert.buttons == ()  # the card that replaced the review card has no buttons
    assert "Changes requested: Our new office" in ayse_out.getvalue()
    assert "Mert (Marketing) asks for changes:" in ayse_out.getvalue()
    assert status_of(world) == "changes_requested"

    # 4. Ayşe edits from the notice's button: version 3 goes back to Mert (same reviewer).
    await ayse.say("!click 1")
    final = "Proud of the team and our new office! #çalışanıyım"
    await fill(ayse, "Our new office", final, LINK, "1,2", "office", "2")
    assert status_of(world) == "in_review"
    reviews = world.all(Review, col(Review.version) == 3)
    assert [r.reviewer_id for r in reviews] == [2] and "Review for" not in melis_out.getvalue()

    # 5. Mert approves, to publish now: the item is made, Ayşe earns her points.
    await mert.say("!click 1")
    await fill(mert, "Great post", "", "")
    assert "You approved this on" in mert_out.getvalue()
    assert status_of(world) == "published"
    assert "Published: Our new office" in ayse_out.getvalue()
    assert "Mert (Marketing): “Great post”" in ayse_out.getvalue()
    assert "You earned 20 points." in ayse_out.getvalue()
    item = world.one(ContentItem)
    assert (item.title, item.url, item.created_by) == ("Our new office", LINK, 1)
    assert item.tags == ["office"] and item.captions == {"any": [final]}
    assert [(p.kind, p.points) for p in world.all(PointEntry)] == [("draft_published", 20)]

    # 6. History is kept: three versions, every step.
    versions = world.all(DraftVersion)
    assert [v.number for v in versions] == [1, 2, 3]
    assert ID_NUMBER in versions[0].body and versions[0].findings[0]["kind"] == "phone"
    kinds = [e.kind for e in world.all(DraftEvent)]
    assert kinds == [
        "submitted", "blocked", "edited", "in_review", "changes_requested",
        "edited", "in_review", "published",
    ]  # fmt: skip
    assert all(e.notified_at is not None for e in world.all(DraftEvent))
    await ayse.say("drafts 1")
    history = flat(ayse_out)
    assert "Mert (Marketing) asked for changes: “Please mention the team" in history

    # 7. A colleague finds it in the feed, shares it; Ayşe is told once.
    can, can_out = await world.chat("can@example.com")
    await can.say("share")
    assert "Our new office" in can_out.getvalue()
    code = re.search(r"Share on LinkedIn → \S+/s/(\S+)", can_out.getvalue()).group(1)
    with session_scope(engine) as db:
        link = db.get(ShareLink, code)
        db.add(
            ShareIntent(
                code=code, item_id=link.item_id, person_id=link.person_id, network="linkedin"
            )
        )
    await jobs.shares(world.jobs())
    assert "Your post “Our new office” was shared 1 time: Can (LinkedIn)." in ayse_out.getvalue()
    before = ayse_out.getvalue()
    await jobs.shares(world.jobs())
    assert ayse_out.getvalue() == before


async def test_drafts_lists_mine_with_their_status(world) -> None:
    ayse, out = await world.chat("ayse@example.com")
    await world.chat("mert@example.com")
    await ayse.say("drafts")
    assert "You have no drafts yet" in out.getvalue()
    await submit(ayse, "First", f"ID {ID_NUMBER}")
    await submit(ayse, "Second", "All good here")
    await ayse.say("drafts")
    listing = "\n".join(out.last_lines(8))
    assert "#2 Second — in review: Marketing: Mert, waiting" in listing
    assert "#1 First — blocked" in listing
    assert "[1] Edit #1" in listing


# --- who reviews ------------------------------------------------------------------------


async def test_a_legal_tag_or_a_confidential_marker_brings_legal_in(world) -> None:
    ayse, ayse_out = await world.chat("ayse@example.com")
    mert, _mert_out = await world.chat("mert@example.com")
    deniz, deniz_out = await world.chat("deniz@example.com")
    await submit(ayse, "Quarterly figures", "Our results are great", tags="Hukuk, numbers")
    await submit(ayse, "Roadmap", "This was internal only until today")
    await submit(ayse, "Team day", "We had fun")
    by_draft = {}
    for review in world.all(Review):
        by_draft.setdefault(review.draft_id, []).append(review.department)
    assert by_draft == {1: ["marketing", "legal"], 2: ["marketing", "legal"], 3: ["marketing"]}
    assert "İnceleme (Hukuk): Quarterly figures" in deniz_out.getvalue()  # in her language
    assert "⚠️ gizlilik ibaresi paylaşım metninde, 1. satır: “internal only”" in flat(deniz_out)

    # Both must approve: Ayşe hears of the first approval, then of the publication.
    await deniz.say("review")
    assert "2 taslak incelemenizi bekliyor." in deniz_out.getvalue()
    await deniz.say("!click 1")  # the last card listed: Roadmap
    await fill(deniz, "", "", "")
    assert "Approved by Legal: Roadmap" in ayse_out.getvalue()
    assert "Still waiting for: Marketing." in ayse_out.getvalue()
    assert status_of(world, 2) == "in_review"
    await mert.say("review")
    await mert.say("!click 1")  # the last card listed: Team day, reviewed by Marketing only
    await fill(mert, "", "", "")
    assert status_of(world, 3) == "published"
    assert status_of(world, 2) == "in_review"
