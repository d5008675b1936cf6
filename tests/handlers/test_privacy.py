"""``privacy`` in chat, in English and Turkish, and the daily job that ages clicks out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select

from bot.config import load_config
from bot.jobs import Scheduler
from storage.engine import session_scope
from storage.people import Person, utcnow
from storage.tracking import Click
from tests.support.logs import json_logs
from tests.support.privacy import AYSE, CEM, seed


async def said(chat, email: str, line: str, services=None) -> str:
    session, out = chat(email, services=services)
    await session.say(line)
    return out.getvalue().replace("\n│ ", " ")  # the console wraps long lines


async def test_privacy_lists_what_is_kept_and_who_sees_it(chat, engine) -> None:
    seed(engine)
    shown = await said(chat, CEM, "privacy")
    assert "What Elçi keeps about you, and who sees it" in shown
    assert "Cem Kaya, cem@example.com, department IT" in shown
    assert "Shares: 1 · point entries: 1. Seen by you (stats) and by HR" in shown
    assert "Clicks: 1, counted for you and for HR" in shown
    assert "Deleted after 90 days." in shown
    assert "Drafts: 1, with every version. Seen by the reviewers" in shown
    assert "Requests: 1, with their replies. Seen by the agents" in shown
    assert "Chat accounts: 2, used only to reach you" in shown  # Slack and this console
    assert "Ayşe" not in shown  # her request went to Cem, but it is hers, not his


async def test_privacy_in_turkish_with_the_configured_retention(
    chat, engine, make_services, tmp_path: Path
) -> None:
    raw = load_config().raw
    raw["privacy"] = {"click_retention_days": 30}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    seed(engine)
    shown = await said(chat, AYSE, "gizlilik", make_services(config=config))
    assert "Elçi'nin sizinle ilgili sakladıkları ve bunları kimin gördüğü" in shown
    assert "Ayşe Yılmaz, ayse@example.com, departman Pazarlama" in shown
    assert "30 gün sonra silinir." in shown
    assert "Onay: 1 · eğitim denemesi: 1" in shown


async def test_someone_outside_the_directory_is_told_to_ask_hr(chat, engine) -> None:
    shown = await said(chat, "stranger@example.com", "privacy")
    assert "You are not in the Elçi directory yet" in shown


async def test_the_daily_job_deletes_old_clicks_and_logs_what_it_destroyed(
    engine, make_services
) -> None:
    seed(engine)
    with session_scope(engine) as db:
        for click in db.execute(select(Click)).scalars():
            click.created_at = utcnow() - timedelta(days=91)
            db.add(click)
            break
    services = make_services()
    with json_logs() as lines:
        ran = await Scheduler(services).run_due()
        again = await Scheduler(services).run_due()
    assert "privacy.click-retention" in ran and "privacy.click-retention" not in again
    with session_scope(engine) as db:
        assert db.execute(select(func.count()).select_from(Click)).scalar_one() == 1
        assert db.get(Person, 1) is not None
    [line] = [line for line in lines if line["message"] == "privacy: old clicks deleted"]
    assert (line["click"], line["clicktally"], line["retention_days"]) == (1, 1, 90)
