"""What the pages and chat cards show, built from ``bot.kpis`` results: the charts, and
the labels and number formats both use. No figure is computed here, only arranged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from bot.charts import Chart, Series
from bot.config import Config
from bot.i18n import N_, Translator
from bot.kpis.campaign import DayFigures
from bot.kpis.engagement import Group
from bot.tracking.routes import NETWORK_NAMES

NETWORKS = tuple(NETWORK_NAMES)
TARGET_LABELS = {
    "shares": N_("Shares"),
    "human_clicks": N_("Human clicks"),
    "participation_rate": N_("Participation rate"),
    "time_to_first_share_hours": N_("Median time to first share (hours)"),
}
GROUP_LABELS = {
    "pilot": N_("Pilot wave"),
    "rest": N_("The rest"),
    "leaders": N_("Leaders"),
}
MAX_TIMELINE_DAYS = 120


def network_label(network: str) -> str:
    return NETWORK_NAMES.get(network, network.capitalize())


def department_label(config: Config, key: str, locale: str, tr: Translator) -> str:
    """The configured name in the reader's language; "none" for people without one."""
    if not key:
        return tr.t("(none)")
    for department in config.departments:
        if department.key == key:
            return department.name(locale)
    return key


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def target_value(name: str, value: float | None) -> str:
    if name == "participation_rate":
        return percent(value)
    if name == "time_to_first_share_hours":
        return hours(value)
    return "–" if value is None else f"{value:,.0f}"


def filled_days(timeline: Iterable[DayFigures]) -> list[DayFigures]:
    """Every day from the first to the last with activity, quiet days as zeros, so the
    time axis is even; only the last ``MAX_TIMELINE_DAYS`` days, to stay legible."""
    known = {day.day: day for day in timeline}
    if not known:
        return []
    first, last = min(known), max(known)
    first = max(first, last - timedelta(days=MAX_TIMELINE_DAYS - 1))
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [known.get(day) or DayFigures(day, 0, 0) for day in days]


def timeline_chart(tr: Translator, timeline: Iterable[DayFigures]) -> Chart:
    days = filled_days(timeline)
    return Chart(
        "line",
        tr.t("Shares and human clicks per day"),
        tuple(_day(day.day) for day in days),
        (
            Series(tr.t("Shares"), tuple(day.shares for day in days)),
            Series(tr.t("Human clicks"), tuple(day.human_clicks for day in days)),
        ),
    )


def networks_chart(tr: Translator, shares: Mapping[str, int], clicks: Mapping[str, int]) -> Chart:
    networks = [n for n in NETWORKS if n in shares or n in clicks]
    networks += sorted((set(shares) | set(clicks)) - set(networks))
    return Chart(
        "bar",
        tr.t("By network"),
        tuple(network_label(n) for n in networks),
        (
            Series(tr.t("Shares"), tuple(shares.get(n, 0) for n in networks)),
            Series(tr.t("Human clicks"), tuple(clicks.get(n, 0) for n in networks)),
        ),
    )


def departments_chart(
    tr: Translator, config: Config, groups: Iterable[Group], locale: str
) -> Chart:
    """Participation per department; groups too small to show are left out."""
    shown = [g for g in groups if g.engagement is not None]
    return Chart(
        "barh",
        tr.t("Participation by department"),
        tuple(department_label(config, g.key, locale, tr) for g in shown),
        (
            Series(
                tr.t("Participation rate"),
                tuple(g.engagement.participation_rate or 0.0 for g in shown if g.engagement),
            ),
        ),
        percent=True,
    )


def _day(day: date) -> str:
    return day.strftime("%d.%m")
