"""The reports of ``elci report`` as sheets (rows and columns), from the KPI dataclasses:
the same rows become a text table or CSV. A suppressed group shows ``suppressed`` in
every figure, never a number."""

from __future__ import annotations

from collections.abc import Iterable

from bot.kpis.campaign import CampaignKpis
from bot.kpis.engagement import Engagement, Group
from bot.kpis.people import PersonFigures
from bot.kpis.routing import DeskFigures
from bot.kpis.tabular import Cell, Sheet

SUPPRESSED = "suppressed"
NETWORKS = ("linkedin", "x", "facebook")
GROUP_COLUMNS = ("recipients", "sharers", "participation_%", "shares", "human_clicks",
                 "first_share_median_h")  # fmt: skip


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def figures(engagement: Engagement | None) -> tuple[Cell, ...]:
    if engagement is None:
        return (SUPPRESSED,) * len(GROUP_COLUMNS)
    return (
        engagement.recipients,
        engagement.sharers,
        percent(engagement.participation_rate),
        engagement.shares,
        engagement.human_clicks,
        engagement.first_share_median_hours,
    )


def group_sheet(title: str, groups: Iterable[Group]) -> Sheet:
    rows = [(group.key or "(none)", *figures(group.engagement)) for group in groups]
    return Sheet(title, ("group", *GROUP_COLUMNS), rows)


def campaign_sheets(kpis: CampaignKpis) -> list[Sheet]:
    totals = kpis.totals
    summary: list[tuple[Cell, ...]] = [
        ("name", kpis.name),
        ("status", kpis.status),
        ("started_at", kpis.started_at.isoformat() if kpis.started_at else None),
        ("reach", totals.recipients),
        ("sharers", totals.sharers),
        ("participation_%", percent(totals.participation_rate)),
        ("shares", totals.shares),
        ("human_clicks", totals.human_clicks),
        ("unique_clickers", kpis.unique_clickers),
        ("first_share_median_h", totals.first_share_median_hours),
        ("first_share_mean_h", totals.first_share_mean_hours),
        (f"earned_media_{kpis.currency}", kpis.earned_media),
    ]
    networks = sorted({*NETWORKS, *kpis.shares_by_network, *kpis.human_clicks_by_network})
    waves = [kpis.pilot, kpis.rest] if kpis.pilot else [kpis.rest]
    return [
        Sheet(f"campaign {kpis.campaign_id}", ("kpi", "value"), summary, grouped=False),
        Sheet(
            "networks",
            ("network", "shares", "human_clicks"),
            [
                (
                    name,
                    kpis.shares_by_network.get(name, 0),
                    kpis.human_clicks_by_network.get(name, 0),
                )
                for name in networks
            ],
        ),
        Sheet(
            "targets",
            ("target", "goal", "actual", "progress_%", "met"),
            [
                (t.name, t.target, t.actual, percent(t.progress), "yes" if t.met else "no")
                for t in kpis.targets
            ],
        ),
        group_sheet("waves", waves),
        group_sheet("leaders", [kpis.leaders]),
        group_sheet("departments", kpis.departments),
        group_sheet("locations", kpis.locations),
        Sheet(
            "content",
            ("item", "shares", "human_clicks"),
            [(f"{i.item_id} {i.title}", i.shares, i.human_clicks) for i in kpis.items],
        ),
        Sheet(
            "days",
            ("day", "shares", "human_clicks"),
            [(d.day.isoformat(), d.shares, d.human_clicks) for d in kpis.timeline],
        ),
    ]


def people_sheet(people: Iterable[PersonFigures]) -> Sheet:
    columns = ("rank", "name", "email", "department", "location", "leader", "points",
               "shares", *NETWORKS, "human_clicks", "campaigns_received")  # fmt: skip
    rows = [
        (
            p.rank,
            p.name,
            p.email,
            p.department,
            p.location,
            "yes" if p.leader else "no",
            p.points,
            p.shares,
            *(p.shares_by_network.get(n, 0) for n in NETWORKS),
            p.human_clicks,
            p.campaigns_received,
        )
        for p in people
    ]
    return Sheet("people", columns, rows)


def departments_sheet(advocacy: Iterable[Group], desks: Iterable[DeskFigures]) -> Sheet:
    """Advocacy (people of the department) and the department as a service desk, side by side."""
    by_key = {group.key: group for group in advocacy}
    routing = {desk.department: desk for desk in desks}
    columns = ("department", "people", "sharers", "participation_%", "shares", "human_clicks",
               "requests", "first_response_median_h", "sla_h", "sla_breaches", "misroutes",
               "misroute_%")  # fmt: skip
    rows = []
    for key in sorted({*by_key, *routing}):
        group, desk = by_key.get(key), routing.get(key)
        people = figures(group.engagement if group else None)  # no one there: suppressed
        served: tuple[Cell, ...] = (
            (desk.requests, desk.first_response_median_hours, desk.sla_hours,
             desk.sla_breaches, desk.misroutes, percent(desk.misroute_rate))
            if desk else (None,) * 6
        )  # fmt: skip
        rows.append((key or "(none)", people[0], people[1], people[2], people[3], people[4],
                     *served))  # fmt: skip
    return Sheet("departments", columns, rows)
