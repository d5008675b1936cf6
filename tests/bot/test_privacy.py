"""Export and erasure of a person, and the ageing out of clicks, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.config import ConfigError, load_config
from bot.delivery.ledger import plan
from bot.privacy.config import privacy_of
from bot.privacy.holdings import (
    HOLDINGS,
    UnknownPerson,
    covered,
    erase,
    export,
    person_references,
)
from bot.privacy.retention import purge_clicks, retention_cutoff
from storage.campaigns import Campaign, Delivery
from storage.click_tallies import ClickTally
from storage.engine import session_scope
from storage.people import Person, utcnow
from storage.points import PointEntry
from storage.requests import SupportRequest
from storage.tracking import Click, ShareIntent
from tests.support.privacy import (
    AGENT_REPLY,
    AYSE,
    CEM,
    CEM_REQUEST,
    DRAFT_BODY,
    REQUEST_TEXT,
    REVIEW_COMMENT,
    everything,
    seed,
)


def test_every_table_that_references_a_person_is_covered() -> None:
    """A new foreign key to ``person`` fails here until ``bot.privacy.holdings`` says what
    export and erasure do with it; a stale entry fails too."""
    assert person_references() == covered()
    assert len({holding.table for holding in HOLDINGS}) == len(HOLDINGS)


def test_export_holds_everything_about_the_person(engine) -> None:
    seeded = seed(engine)
    held = export(engine, " Ayse@Example.com ")
    tables = held["tables"]
    assert held["email"] == AYSE
    [person] = tables["person"]
    assert (person["name"], person["location"], person["roles"]) == (
        "Ayşe Yılmaz", "İstanbul", ["employee", "blogger", "reviewer"]
    )  # fmt: skip
    assert [a["user_id"] for a in tables["platformaccount"]] == ["U0AYSE", "29:teams-ayse"]
    assert [(m["table"], m["column"]) for m in tables["audience_selectors"]] == [
        ("campaign", "audience"), ("campaign", "pilot"), ("contentitem", "audience")
    ]  # fmt: skip
    assert [v["body"] for v in tables["draftversion"]] == [DRAFT_BODY]
    assert {r["comment"] for r in tables["review"]} == {"Please add a source", REVIEW_COMMENT}
    assert [r["text"] for r in tables["supportrequest"]] == [REQUEST_TEXT]
    assert [r["text"] for r in tables["requestreply"]] == [AGENT_REPLY]
    one_each = (
        "sharelink", "shareintent", "click", "pointentry", "delivery", "dismissal",
        "policyacknowledgement", "trainingresult", "signinlink", "dashboardsession",
    )  # fmt: skip
    for table in one_each:
        assert len(tables[table]) == 1, table
        assert all(row.get("person_id") in (seeded.ayse, None) for row in tables[table])
    assert tables["person_managed"] == [{"email": CEM}]
    assert CEM_REQUEST not in str(tables) and "Cem's body" not in str(tables)


def test_erase_leaves_no_trace_and_keeps_the_totals(engine) -> None:
    seeded = seed(engine)
    before = totals(engine)
    erasure = erase(engine, AYSE)

    assert erasure.person_id == seeded.ayse
    assert erasure.done["platformaccount"] == ("delete", 2)  # the unlinked Teams one too
    assert erasure.done["audience selectors"] == ("rewrite", 3)
    assert erasure.done["draftversion"] == ("scrub", 1)
    assert erasure.done["shareintent"] == ("keep", 1)
    assert erasure.done["person.manager_email"] == ("clear", 1)
    trace = everything(engine)
    gone = (
        AYSE, "Ayşe", "Ayse", "U0AYSE", "D0AYSE", DRAFT_BODY, DRAFT_BODY[:20], REQUEST_TEXT,
        "beşiktaş", REVIEW_COMMENT, AGENT_REPLY, "İstanbul", "Brand Lead", "a" * 64, "b" * 64,
        "Please add a source",  # a colleague's comment on her draft: about her work
    )  # fmt: skip
    for needle in gone:
        assert needle not in trace, needle
    assert totals(engine) == before
    for needle in (CEM, "Cem Kaya", CEM_REQUEST, "Cem's body"):
        assert needle in trace, needle
    with session_scope(engine) as db:
        tombstone = db.get(Person, seeded.ayse)
        assert tombstone is not None and tombstone.erased_at is not None
        assert (tombstone.department, tombstone.roles, tombstone.leaderboard_hidden) == (
            "marketing", [], True
        )  # fmt: skip
        campaign = db.get(Campaign, seeded.campaign)
        assert campaign is not None
        assert [row["person_id"] for row in plan(db, campaign, ["slack"])] == [seeded.cem]
        just_her = db.get(Campaign, seeded.just_her)
        assert just_her is not None and just_her.audience == [f"person:{tombstone.email}"]
        assert plan(db, just_her, ["slack"]) == []  # nobody, not everyone
    with pytest.raises(UnknownPerson):
        export(engine, AYSE)
    with pytest.raises(UnknownPerson):
        erase(engine, tombstone.email)


def test_an_unknown_email_changes_nothing(engine) -> None:
    seed(engine)
    before = everything(engine)
    with pytest.raises(UnknownPerson):
        erase(engine, "nobody@example.com")
    assert everything(engine) == before


def totals(engine) -> dict[str, int]:
    """The figures reports are made of: they must not move when someone is erased."""
    with session_scope(engine) as db:
        return {
            "shares": db.execute(select(func.count()).select_from(ShareIntent)).scalar_one(),
            "clicks": db.execute(select(func.count()).select_from(Click)).scalar_one(),
            "points": db.execute(select(func.sum(col(PointEntry.points)))).scalar_one(),
            "deliveries": db.execute(select(func.count()).select_from(Delivery)).scalar_one(),
            "requests": db.execute(select(func.count()).select_from(SupportRequest)).scalar_one(),
            "people": db.execute(select(func.count()).select_from(Person)).scalar_one(),
        }


def test_clicks_past_the_retention_are_tallied_deleted_and_their_visitor_keys_forgotten(
    engine,
) -> None:
    seeded = seed(engine)
    now = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
    old = datetime(2026, 8, 29, 23, 59, tzinfo=UTC)  # the last minute before the cutoff
    code = f"code{seeded.ayse:018d}"
    with session_scope(engine) as db:
        click = db.execute(select(Click).where(col(Click.person_id) == seeded.ayse)).scalar_one()
        click.created_at = old
        db.add(click)
        for human, at in (
            (False, old),
            (True, old - timedelta(days=1)),
            (True, old + timedelta(minutes=1)),
        ):
            db.add(Click(code=code, item_id=click.item_id, person_id=seeded.ayse, human=human,
                         network="linkedin", ip_hash="ef" * 16, created_at=at))  # fmt: skip
        db.add(PointEntry(person_id=seeded.ayse, kind="human_click", points=1,
                          ref=f"click:{code}:{'ab' * 16}:2026-08-29", created_at=old))  # fmt: skip
        db.add(PointEntry(person_id=seeded.ayse, kind="human_click", points=1,
                          ref=f"click:{code}:{'cd' * 16}:2026-11-27", created_at=now))  # fmt: skip
    points_before = totals(engine)["points"]
    cutoff = retention_cutoff(now, timedelta(days=90))
    assert cutoff == datetime(2026, 8, 30, tzinfo=UTC)

    purged = purge_clicks(engine, cutoff)

    assert purged.as_log() == {"click": 3, "clicktally": 3, "pointentry_refs": 1}
    with session_scope(engine) as db:
        left = db.execute(select(Click.person_id, Click.created_at)).all()
        refs = db.execute(select(PointEntry.ref).where(PointEntry.kind == "human_click")).all()
        tallies = db.execute(select(ClickTally.day, ClickTally.human, ClickTally.clicks)).all()
    assert sorted(person for person, _ in left) == sorted([seeded.cem, seeded.ayse])
    assert sorted(tallies) == [(date(2026, 8, 28), True, 1), (date(2026, 8, 29), False, 1),
                               (date(2026, 8, 29), True, 1)]  # fmt: skip
    assert "ab" * 16 not in str(refs) and "cd" * 16 in str(refs)
    assert totals(engine)["points"] == points_before
    assert purge_clicks(engine, cutoff).as_log() == {
        "click": 0, "clicktally": 0, "pointentry_refs": 0
    }  # fmt: skip


def test_a_day_tallied_twice_adds_up(engine) -> None:
    """Should a day age out in two runs (the retention shortened in between), the second
    run adds to the tally instead of failing on it."""
    seeded = seed(engine)
    day = datetime(2026, 6, 1, 8, tzinfo=UTC)
    code = f"code{seeded.cem:018d}"
    for at in (day, day + timedelta(hours=8)):
        with session_scope(engine) as db:
            db.add(Click(code=code, item_id=1, person_id=seeded.cem, network="linkedin",
                         created_at=at))  # fmt: skip
        purge_clicks(engine, at + timedelta(minutes=1))
    with session_scope(engine) as db:
        assert db.execute(select(ClickTally.day, ClickTally.clicks)).all() == [
            (date(2026, 6, 1), 2)
        ]


def test_the_privacy_section_defaults_to_90_days_and_refuses_nonsense() -> None:
    assert privacy_of(load_config()).click_retention == timedelta(days=90)
    config = load_config()
    cases = (({"click_retention_days": 0}, "privacy.click_retention_days"),
             ({"click_retention_days": "90"}, "privacy.click_retention_days"),
             ({"keep_forever": True}, "privacy.keep_forever"), ([], "privacy"))  # fmt: skip
    for bad, key in cases:
        config.raw["privacy"] = bad
        with pytest.raises(ConfigError, match=key):
            privacy_of(config)


async def test_a_click_keeps_no_ip_address_only_a_keyed_hash_of_its_network(engine) -> None:
    from bot.tracking.recorder import Hit, LinkRecorder, Rules
    from storage.secrets import stored_key

    seeded = seed(engine)
    recorder = LinkRecorder(engine, Rules("https://elci.example.com", timedelta(0), 5, 1))
    code = f"code{seeded.cem:018d}"
    addresses = ("203.0.113.77", "203.0.113.200", "198.51.100.7", "2001:db8:1:2::99")
    for address in addresses:
        await recorder.record(Hit("click", code, utcnow(), address=address))
    await recorder.close()
    with session_scope(engine) as db:
        hashes = db.execute(select(Click.ip_hash).order_by(col(Click.id))).scalars().all()[-4:]
    assert hashes[0] == hashes[1] != hashes[2]  # one /24, one visitor; another network differs
    assert len({len(value) for value in hashes}) == 1 and hashes[3] not in hashes[:3]
    trace = everything(engine)
    assert not any(part in trace for part in ("203.0.113", "198.51.100", "2001:db8"))
    # Keyed with the deployment's own key: a plain hash of a guessed network does not match.
    network = b"203.0.113.0/24"
    assert hashes[0] != hashlib.sha256(network).hexdigest()[:32]
    key = stored_key(engine, "ip-hash").encode()
    assert hashes[0] == hmac.new(key, network, hashlib.sha256).hexdigest()[:32]
