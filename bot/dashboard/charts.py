"""The charts chat cards link to, by the name their signed URL carries (see ``signed``)."""

from __future__ import annotations

from datetime import timedelta

from bot.charts import Chart
from bot.dashboard import views
from bot.i18n import Translator
from bot.kpis.campaign import campaign_kpis
from bot.kpis.directory import advocacy_by
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.people import person_figures
from bot.kpis.period import Period
from bot.services import Services
from storage.people import utcnow


def chat_chart(services: Services, tr: Translator, name: str) -> Chart | None:
    """``me-PERSON-DAYS``, ``campaign-ID`` or ``departments``; None if nothing is there."""
    kind, _, rest = name.partition("-")
    engine, config = services.engine, services.settings.config
    if kind == "me":
        person_id, _, days = rest.partition("-")
        since = utcnow() - timedelta(days=int(days))
        mine = person_figures(engine, int(person_id), Period(since=since))
        if mine is None:
            return None
        return views.networks_chart(tr, mine.shares_by_network, {})
    if kind == "campaign":
        kpis = campaign_kpis(engine, int(rest), earned_media_settings(config))
        return views.timeline_chart(tr, kpis.timeline) if kpis else None
    groups = advocacy_by(engine, "department")
    return views.departments_chart(tr, config, groups, tr.locale)
