"""Campaigns from chat, as HR lives it at the console: the form, the confirmation with the
audience per platform and the duration, the status card refreshed in place, cancel, list;
and nobody but HR may create or send one."""

from __future__ import annotations

import pytest

from bot.delivery import ledger
from tests.support.campaigns import add_audience, add_content


class Sender:
    """Stands for a platform's sender: the ledger only needs to know it is there."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def deliver(self, user_id, conversation_ref, reply) -> None:
        raise AssertionError("the workers send, not the chat")


@pytest.fixture
def world(make_services, chat, add_person, engine):
    services = make_services()
    services.outbound.add(Sender("slack"))
    services.outbound.add(Sender("teams"))
    add_person("hr@example.com", roles=("employee", "hr"), name="Hande İK")
    add_person("can@example.com", roles=("employee",), name="Can", locale="tr")

    class World:
        def __init__(self) -> None:
            self.services = services
            self.item = add_content(engine)

        def chat(self, email: str):
            return chat(email, services=services)

    return World()


NO_TARGETS = ("", "", "", "")  # shares, human clicks, participation %, hours to first share


async def _new(world, *answers: str) -> tuple[object, str]:
    hr, out = world.chat("hr@example.com")
    await hr.say("campaign new")
    for answer in answers:
        await hr.say(answer)
    return hr, out.getvalue()


async def test_hr_creates_confirms_follows_and_cancels(world, engine) -> None:
    add_audience(engine, 3, 2, "http://127.0.0.1:9/")
    _, text = await _new(world, "Plant opening", "Tell everyone", "1", "Big day!", "all", "", "",
                         *NO_TARGETS)  # fmt: skip
    assert "Campaign #1 “Plant opening” is ready" in text
    found = ledger.get(engine, 1)
    assert found.content_ids == [world.item] and found.audience == ["all"]

    hr2, out = world.chat("hr@example.com")
    await hr2.say("campaign send 1")
    shown = out.getvalue()
    assert "Send “Plant opening”?" in shown
    assert "Slack: 3" in shown and "Microsoft Teams: 2" in shown
    assert "not reachable: 1" in shown  # Can has no account; HR talks from the terminal
    assert "Estimated duration: under a minute" in shown
    await hr2.say("!click 1")
    shown = out.getvalue()
    assert ledger.get(engine, 1).status == "sending"
    assert "Campaign #1: Plant opening" in shown and "Pending: 6" in shown
    assert "Failed: 1" in shown

    await hr2.say("campaign cancel 1")
    assert "Campaign #1 is cancelled" in out.getvalue()
    await hr2.say("!click 1")  # nothing left on the last card; the status card is refreshed
    await hr2.say("campaign status 1")
    assert "Pending: 0" in out.getvalue()
    await hr2.say("campaign list")
    assert "#1 Plant opening — cancelled" in out.getvalue()


async def test_the_status_card_refreshes_in_place(world, engine) -> None:
    add_audience(engine, 2, 0)
    created = ledger.create(engine, world.services.settings.config,
                            ledger.NewCampaign("Launch", [world.item]))  # fmt: skip
    hr, out = world.chat("hr@example.com")
    await hr.say(f"campaign send {created.id}")
    await hr.say("!click 1")
    assert "Pending: 3" in out.getvalue()
    with ledger.session_scope(engine) as session:  # the workers sent two meanwhile
        from sqlalchemy import update

        from storage.campaigns import Delivery

        session.connection().execute(
            update(Delivery).where(Delivery.platform == "slack").values(status="sent")
        )
    await hr.say("!click 1")  # Refresh
    assert "Sent: 2" in out.getvalue().split("Refresh")[-2]


async def test_bad_answers_keep_the_form_open(world) -> None:
    _, text = await _new(world, "X", "", "1", "", "department:nowhere", "", "", *NO_TARGETS)
    assert "unknown department" in text
    _, text = await _new(world, "X", "", "1", "", "", "", "tomorrow", *NO_TARGETS)
    assert "2026-12-01 09:30" in text


async def test_usage_and_unknown_campaigns(world) -> None:
    hr, out = world.chat("hr@example.com")
    with ledger.session_scope(world.services.engine) as session:
        from storage.content import ContentItem

        session.get(ContentItem, world.item).archived = True
    await hr.say("campaign new")
    assert "Add content first" in out.getvalue()
    await hr.say("campaign")
    assert "Use: campaign new | send ID" in out.getvalue()
    await hr.say("campaign status 42")
    assert "There is no campaign #42." in out.getvalue()


async def test_only_hr_may_create_or_send(world, engine) -> None:
    created = ledger.create(engine, world.services.settings.config,
                            ledger.NewCampaign("Launch", [world.item]))  # fmt: skip
    can, out = world.chat("can@example.com")
    await can.say("campaign new")
    await can.say(f"campaign send {created.id}")
    assert "Send “Launch”?" not in out.getvalue()
    assert ledger.get(engine, created.id).status == "draft"
    assert "New campaign" not in out.getvalue()


async def test_turkish(world, engine) -> None:
    hr, out = world.chat("hr@example.com")
    await hr.say("lang tr")
    await hr.say("kampanya liste")
    assert "Henüz kampanya yok" in out.getvalue()


async def test_hr_approves_the_pilot_from_chat(world, engine) -> None:
    add_audience(engine, 3, 0, roles={0: ["employee", "group:pilot"]})
    new = ledger.NewCampaign("Pilot", [world.item], pilot=["role:group:pilot"])
    created = ledger.create(engine, world.services.settings.config, new)
    hr, out = world.chat("hr@example.com")
    await hr.say(f"campaign send {created.id}")
    await hr.say("!click 1")
    await hr.say(f"campaign approve {created.id}")
    # 5 in the audience: 1 in the pilot, 1 unreachable (HR, by the terminal, is reachable)
    assert f"Approved: 3 more people will get campaign #{created.id}." in out.getvalue()


async def test_kpi_targets_from_the_form(world, engine) -> None:
    _, text = await _new(world, "Launch", "", "1", "", "", "", "", "200", "1000", "%30", "24")
    assert "Campaign #1 “Launch” is ready" in text
    assert ledger.get(engine, 1).kpis == {
        "shares": 200, "human_clicks": 1000, "participation_rate": 0.3,
        "time_to_first_share_hours": 24,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("targets", "error"),
    [
        (("12.5", "", "", ""), "Write a whole number, like 200."),
        (("", "many", "", ""), "Write a whole number, like 1000."),
        (("", "", "150", ""), "Write a number from 0 to 100."),
        (("", "", "", "0"), "Write a number above 0."),
        (("", "", "", "inf"), "Write a number, like 24."),
        (("-3", "", "", ""), "Write a number of 0 or more."),
    ],
)
async def test_bad_targets_keep_the_form_open(world, engine, targets, error) -> None:
    _, text = await _new(world, "Launch", "", "1", "", "", "", "", *targets)
    assert error in text
    assert ledger.list_campaigns(engine) == []


async def test_bad_targets_in_turkish(world, engine) -> None:
    hr, out = world.chat("hr@example.com")
    await hr.say("lang tr")
    await hr.say("kampanya yeni")
    for answer in ("Lansman", "", "1", "", "", "", "", "", "", "yüz", ""):
        await hr.say(answer)
    assert "Bir sayı yazın, örneğin 30." in out.getvalue()


async def test_status_shows_progress_against_the_targets(world, engine) -> None:
    add_audience(engine, 2, 0)
    new = ledger.NewCampaign("Launch", [world.item],
                             kpis={"shares": 4, "participation_rate": 0.3,
                                   "time_to_first_share_hours": 24})  # fmt: skip
    created = ledger.create(engine, world.services.settings.config, new)
    hr, out = world.chat("hr@example.com")
    await hr.say(f"campaign send {created.id}")
    await hr.say("!click 1")
    await hr.say(f"campaign status {created.id}")
    shown = out.getvalue().split("Campaign #1: Launch")[-1]
    assert "Shares: 0 of 4 (0 %)" in shown
    assert "Participation rate: none yet (target 30 %)" in shown  # nobody reached yet
    assert "Time to first share: none yet (target 24.0 h)" in shown

    sharer = _deliver_and_share(engine, created.id, hours=3)
    await hr.say(f"campaign status {created.id}")
    shown = out.getvalue().split("Campaign #1: Launch")[-1]
    assert "Shares: 1 of 4 (25 %)" in shown
    # 1 of the 4 people reached shared: 25 % against 30 %
    assert "Participation rate: 25 % of 30 % (83 %)" in shown
    assert "Time to first share: ✓ 3.0 h (target 24.0 h)" in shown
    assert sharer is not None


def _deliver_and_share(engine, campaign_id: int, hours: float) -> int:
    """Every delivery is sent; one recipient shares ``hours`` later through their link."""
    from datetime import timedelta

    from sqlalchemy import update
    from sqlmodel import select

    from storage.campaigns import Delivery
    from storage.people import utcnow
    from storage.tracking import ShareIntent, ShareLink

    sent = utcnow() - timedelta(hours=hours + 1)
    with ledger.session_scope(engine) as session:
        session.connection().execute(
            update(Delivery).where(Delivery.campaign_id == campaign_id)
            .values(status="sent", sent_at=sent)
        )  # fmt: skip
        first = session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)).first()
        campaign = ledger.get(engine, campaign_id)
        item = campaign.content_ids[0]
        session.add(ShareLink(code="c" * 22, item_id=item, person_id=first.person_id,
                              network="linkedin", campaign_id=campaign_id))  # fmt: skip
        session.flush()
        session.add(ShareIntent(code="c" * 22, item_id=item, person_id=first.person_id,
                                network="linkedin", campaign_id=campaign_id,
                                created_at=sent + timedelta(hours=hours)))  # fmt: skip
        return first.person_id
