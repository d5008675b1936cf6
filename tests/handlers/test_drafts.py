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
from storage.drafts import Draft, DraftEvent, DraftVersion, Review, ReviewerRotation
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
        if value is None:
            raw.pop(key, None)
        else:
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


def last_card(out: Transcript) -> str:
    """The last card printed, wrapped lines joined."""
    return "┌" + out.getvalue().rsplit("┌", 1)[-1].replace("\n│ ", " ")


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


async def test_reviewers_take_turns_and_never_review_their_own(world, people) -> None:
    people("melek@example.com", "marketing", ("reviewer", "blogger"), name="Melek")
    melek, melek_out = await world.chat("melek@example.com")
    ayse, _ = await world.chat("ayse@example.com")
    for email in ("mert@example.com", "melis@example.com"):
        await world.chat(email)
    for n in range(4):
        await submit(ayse, f"Post {n}", "Nice")
    await submit(melek, "Mine", "Nice too")
    await submit(melek, "Mine again", "Nice too")
    reviewers = {r.draft_id: r.reviewer_id for r in world.all(Review)}
    mert, melis, melek_id = 2, 3, 7
    assert [reviewers[d] for d in (1, 2, 3, 4)] == [mert, melis, melek_id, mert]
    assert melek_id not in (reviewers[5], reviewers[6])
    assert world.one(ReviewerRotation).last_person_id == reviewers[6]
    assert "Review for Marketing: Mine" not in melek_out.getvalue()


# --- nothing submitted is lost ----------------------------------------------------------


async def test_an_unreachable_reviewer_leaves_the_draft_visible_and_retried(world) -> None:
    ayse, out = await world.chat("ayse@example.com")
    await submit(ayse, "Hello", "World")  # Mert has never talked to Elçi: no way to reach him
    assert status_of(world) == "in_review"
    assert "waiting for a reviewer: could not reach Mert, retrying" in flat(out)
    await ayse.say("drafts")
    assert "#1 Hello — in review: Marketing: waiting for a reviewer: could not reach Mert" in flat(
        out
    )
    review = world.one(Review)
    assert review.delivered_at is None and review.attempts == 1 and review.next_try_at

    _mert, mert_out = await world.chat("mert@example.com")
    await jobs.retry(world.jobs())  # not due yet
    assert "Review for Marketing: Hello" not in mert_out.getvalue()
    world.backdate(review.id, 0)
    await jobs.retry(world.jobs())
    assert "Review for Marketing: Hello" in mert_out.getvalue()
    assert world.one(Review).delivered_at is not None
    await ayse.say("drafts")
    assert "#1 Hello — in review: Marketing: Mert, waiting" in last_card(out)


async def test_a_platform_error_changes_nothing_but_the_delivery_status(world) -> None:
    ayse, out = await world.chat("ayse@example.com")
    _mert, mert_out = await world.chat("mert@example.com")
    world.consoles.broken.add("mert@example.com")
    await submit(ayse, "Hello", "World")
    assert status_of(world) == "in_review"
    assert world.one(Review).delivery_error == "RuntimeError"
    assert "could not reach Mert, retrying" in flat(out)
    world.consoles.broken.clear()
    world.backdate(world.one(Review).id, 0)
    await jobs.retry(world.jobs())
    assert "Review for Marketing: Hello" in mert_out.getvalue()


async def test_a_failing_check_keeps_the_draft_and_the_scheduler_finishes(
    world, monkeypatch
) -> None:
    from handlers.drafts import flow

    ayse, out = await world.chat("ayse@example.com")
    await world.chat("mert@example.com")
    real = flow.check

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(flow, "check", broken)
    await submit(ayse, "Hello", "World")
    assert "Your draft #1 is saved. I could not finish checking it just now" in flat(out)
    assert status_of(world) == "checking" and world.one(DraftVersion).body == "World"
    await ayse.say("drafts")
    assert "#1 Hello — received, being checked" in flat(out)

    monkeypatch.setattr(flow, "check", real)
    with session_scope(world.engine) as db:
        draft = db.get(Draft, 1)
        draft.updated_at -= timedelta(minutes=5)
        db.add(draft)
    await jobs.retry(world.jobs())
    assert status_of(world) == "in_review"
    assert "In review: Hello" in out.getvalue()  # told by the scheduler, in her chat


# --- permissions ------------------------------------------------------------------------


def snapshot(engine) -> dict[str, list]:
    from sqlalchemy import select as sa_select

    from storage.tables import metadata

    with session_scope(engine) as db:
        return {
            t.name: sorted(map(repr, db.execute(sa_select(t)).all()))
            for t in metadata.sorted_tables
            if t.name != "platformaccount"
        }


@pytest.mark.parametrize("verdict", ["review.approve", "review.changes", "review.reject"])
async def test_only_the_assigned_reviewer_decides_and_refusals_change_nothing(
    world, people, verdict
) -> None:
    people("ayla@example.com", "marketing", ("reviewer", "blogger"), name="Ayla")
    ayse, _ = await world.chat("ayse@example.com")
    await world.chat("mert@example.com")
    await submit(ayse, "Hello", "World")
    review = world.one(Review)
    assert review.reviewer_id == 2

    async def press(email: str) -> list[str]:
        from adapters.console.inbound import to_actor, to_conversation
        from bot.events import Action
        from tests.support.recorder import Recorder

        recorder = Recorder()
        action = Action(to_actor(email), to_conversation(email), verdict, str(review.id))
        await Bot(world.services).handle(action, recorder)
        return recorder.texts

    before = snapshot(world.engine)
    assert await press("can@example.com") == ["Only people with the reviewer role can do that."]
    assert await press("melis@example.com") == ["This review is assigned to someone else."]
    assert snapshot(world.engine) == before

    # The author who is a reviewer too can never decide on her own draft.
    ayla, _ayla_out = await world.chat("ayla@example.com")
    await submit(ayla, "Mine", "All mine")
    [own] = world.all(Review, col(Review.draft_id) == 2)
    assert own.reviewer_id != 8
    review = own
    before = snapshot(world.engine)
    assert await press("ayla@example.com") == ["You cannot review your own draft."]
    assert snapshot(world.engine) == before


async def test_a_forged_form_is_refused_too(world) -> None:
    from adapters.console.inbound import to_actor, to_conversation
    from bot.events import FormSubmit
    from tests.support.recorder import Recorder

    ayse, _ = await world.chat("ayse@example.com")
    await world.chat("mert@example.com")
    await submit(ayse, "Hello", "World")
    before = snapshot(world.engine)
    email = "melis@example.com"
    form = FormSubmit(to_actor(email), to_conversation(email), "review.approval", {}, {"review": 1})
    recorder = Recorder()
    await Bot(world.services).handle(form, recorder)
    assert recorder.texts == ["This review is assigned to someone else."]
    assert snapshot(world.engine) == before


# --- time -------------------------------------------------------------------------------


async def test_a_waiting_review_reminds_once_then_escalates_once(world) -> None:
    ayse, _ = await world.chat("ayse@example.com")
    _mert, mert_out = await world.chat("mert@example.com")
    _leyla, leyla_out = await world.chat("leyla@example.com")
    await submit(ayse, "Hello", "World")
    review_id = world.one(Review).id
    await jobs.remind(world.jobs())
    assert "Reminder" not in mert_out.getvalue()

    world.backdate(review_id, 25)
    await jobs.remind(world.jobs())
    await jobs.remind(world.jobs())
    assert mert_out.getvalue().count("Reminder: this draft is still waiting for your review.") == 1
    assert "waiting too long" not in leyla_out.getvalue()

    world.backdate(review_id, 49)
    await jobs.remind(world.jobs())
    await jobs.remind(world.jobs())
    assert leyla_out.getvalue().count("A draft is waiting too long for review") == 1
    assert "“Hello” (draft #1 by Ayşe) has waited 49 hours for Mert" in flat(leyla_out)
    assert world.one(Review).escalated_to == 5


async def test_the_lead_named_in_the_config_hears_when_nobody_can_review(
    make_services, engine, tmp_path, people
) -> None:
    people("lale@example.com", "legal", ("employee",), name="Lale")
    raw_departments = yaml.safe_load(
        files("bot").joinpath("default_config.yaml").read_text("utf-8")
    )["departments"]
    raw_departments["legal"]["lead"] = "lale@example.com"
    config = write_config(
        tmp_path,
        departments=raw_departments,
        review={"reviewers": [{"department": "legal"}]},
    )
    with session_scope(engine) as db:  # nobody in Legal may review
        for person in db.exec(select(Person).where(col(Person.department) == "legal")).all():
            person.roles = ["employee"]
            db.add(person)
    world = World(make_services(config=config), engine)
    ayse, out = await world.chat("ayse@example.com")
    _lale, lale_out = await world.chat("lale@example.com")
    await submit(ayse, "Hello", "World")
    assert "Legal: waiting for a reviewer: nobody else there can review it yet" in flat(out)
    with session_scope(engine) as db:
        review = db.exec(select(Review)).one()
        review.created_at -= timedelta(hours=50)
        db.add(review)
    await jobs.remind(world.jobs())
    assert "nobody in Legal can review it" in flat(lale_out)


async def test_approved_for_later_is_scheduled_then_published(world) -> None:
    ayse, ayse_out = await world.chat("ayse@example.com")
    mert, _ = await world.chat("mert@example.com")
    can, can_out = await world.chat("can@example.com")
    await submit(ayse, "Launch", "Soon")
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    await mert.say("!click 1")
    await fill(mert, "", tomorrow, "25:00")  # not a time: asked again
    assert "Give a time as HH:MM, for example 09:30." in mert.out.getvalue()
    await mert.say("09:30")
    assert status_of(world) == "scheduled"
    assert f"It will be published on {tomorrow} 09:30 (UTC)" in flat(ayse_out)
    await can.say("share")
    assert "Launch" not in can_out.getvalue()  # the feed hides it until then

    with session_scope(world.engine) as db:
        draft = db.get(Draft, 1)
        item = db.get(ContentItem, draft.item_id)
        draft.publish_at = item.publish_at = utcnow() - timedelta(minutes=1)
        db.add(draft)
        db.add(item)
    await jobs.retry(world.jobs())
    assert status_of(world) == "published"
    assert "The time has come: it is in colleagues' feeds now." in flat(ayse_out)
    await can.say("share")
    assert "Launch" in can_out.getvalue()


async def test_a_rejection_is_final_and_told(world) -> None:
    ayse, out = await world.chat("ayse@example.com")
    mert, mert_out = await world.chat("mert@example.com")
    await submit(ayse, "Hello", "World")
    await mert.say("!click 3")
    await mert.say("Off topic for us")
    assert "You rejected it: “Off topic for us”" in mert_out.getvalue()
    assert (
        "Not accepted: Hello" in out.getvalue()
        and "Mert (Marketing) did not accept it:" in out.getvalue()
    )
    assert status_of(world) == "rejected" and world.all(ContentItem) == []
    await mert.say("review")
    assert "Nothing waits for your review." in mert_out.getvalue()


# --- the policy gate and the config -----------------------------------------------------


async def test_submission_waits_behind_the_policy_gate(make_services, engine, tmp_path, people):
    raw_policy = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    policy = {**raw_policy["policy"], "required": True}
    world = World(make_services(config=write_config(tmp_path, policy=policy)), engine)
    ayse, out = await world.chat("ayse@example.com")
    await ayse.say("submit")
    assert "First, our social media policy" in out.getvalue()
    assert not ayse.form_open
    assert world.all(Draft) == []


def test_review_config_mistakes_name_the_key() -> None:
    from bot.config import ConfigError
    from handlers.drafts.config import parse

    departments = {"marketing", "legal"}
    assert [r.department for r in parse({}, departments).rules] == ["marketing"]
    for section, key in [
        ({"reviewers": [{"department": "nope"}]}, r"review\.reviewers\[1\]\.department"),
        ({"reviewers": [{"department": "legal", "when": {"findings": ["x"]}}]}, "when.findings"),
        ({"reviewers": []}, r"review\.reviewers"),
        ({"remind_after_hours": 50}, "escalate_after_hours"),
        ({"remind_after_hours": "soon"}, "remind_after_hours"),
    ]:
        with pytest.raises(ConfigError, match=key):
            parse({"review": section}, departments)


async def test_everything_in_turkish_for_a_turkish_author(world, people) -> None:
    people("selin@example.com", "sales", ("blogger",), locale="tr", name="Selin")
    selin, out = await world.chat("selin@example.com")
    await world.chat("mert@example.com")
    await selin.say("gönder")
    await fill(selin, "Yeni ofis", f"TC {ID_NUMBER}", LINK, "1", "", "1")
    text = flat(out)
    assert "Taslak #1: Yeni ofis" in text
    assert f"⛔ T.C. kimlik numarası paylaşım metninde, 1. satır: “{ID_NUMBER}”" in text
    assert "Durum: kontrole takıldı" in text
    await selin.say("!click 1")
    await fill(selin, "Yeni ofis", "Yeni ofisimiz harika", LINK, "1", "", "1")
    await selin.say("taslaklar")
    assert "#1 Yeni ofis — incelemede: Pazarlama: Mert, bekleniyor" in flat(out)


async def test_without_a_reviewing_department_drafts_wait_then_are_routed(
    make_services, engine, tmp_path, people
) -> None:
    shipped = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    departments = {k: v for k, v in shipped["departments"].items() if k != "marketing"}
    before = write_config(tmp_path, departments=departments, review=None)
    world = World(make_services(config=before), engine)
    ayse, out = await world.chat("ayse@example.com")
    await submit(ayse, "Hello", "World")
    assert "in review: no department reviews drafts yet" in flat(out)

    (tmp_path / "later").mkdir()
    after = write_config(tmp_path / "later", review={"reviewers": [{"department": "legal"}]})
    later = World(make_services(config=after), engine)
    _deniz, deniz_out = await later.chat("deniz@example.com")
    await jobs.retry(later.jobs())
    assert "İnceleme (Hukuk): Hello" in deniz_out.getvalue()


async def test_a_draft_sent_while_the_policy_changed_is_held_not_lost(
    make_services, engine, tmp_path, people
) -> None:
    from storage.policy import acknowledge, record_attempt

    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    (tmp_path / "strict").mkdir()
    strict = write_config(tmp_path / "strict", policy={**raw["policy"], "required": True})
    world = World(make_services(config=write_config(tmp_path)), engine)
    ayse, out = await world.chat("ayse@example.com")
    await world.chat("mert@example.com")
    await ayse.say("submit")  # the form opens while the policy is not required yet
    later = make_services(config=strict)
    later.outbound.add(world.consoles)
    ayse.handle = Bot(later).handle  # …and is sent after it became so
    await fill(ayse, "Hello", "World", LINK, "1", "", "2")
    assert status_of(world) == "held"
    assert "Your draft is saved. It goes to review once you have finished" in flat(out)
    assert "First, our social media policy" in out.getvalue()

    with session_scope(engine) as db:
        acknowledge(db, 1, raw["policy"]["version"])
        record_attempt(db, 1, raw["training"]["version"], 4, 4, True)
    await ayse.say("drafts")
    assert "#1 Hello — saved, waiting for you to finish the policy steps" in last_card(out)
    await ayse.say("!click 1")  # Send #1 to review
    assert status_of(world) == "in_review"
    assert "Review for Marketing: Hello" in world.consoles.chats["mert@example.com"].out.getvalue()


async def test_the_scheduler_never_sends_twice_what_a_turn_sent(world) -> None:
    ayse, out = await world.chat("ayse@example.com")
    mert, mert_out = await world.chat("mert@example.com")
    await submit(ayse, "Hello", "World")
    await mert.say("!click 3")
    await mert.say("No")
    await jobs.retry(world.jobs())
    await jobs.remind(world.jobs())
    assert mert_out.getvalue().count("Review for Marketing: Hello") == 2  # the card, replaced
    assert out.getvalue().count("Not accepted: Hello") == 1
