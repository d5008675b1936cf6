"""``/admin``: the HR dashboard's pages, and ``/charts/{name}.png`` for chat cards.

Every page is a GET that reads; the only POSTs sign in and out, and are refused when the
browser says they come from another site (``Origin``), besides the ``SameSite`` cookie.
A one-time link opens a page with a button rather than signing in on GET, so a link
scanner or chat preview that fetches the URL cannot spend it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.charts import Chart, render
from bot.dashboard import auth, views
from bot.dashboard.charts import chat_chart
from bot.dashboard.signed import verify
from bot.delivery.ledger import list_campaigns
from bot.i18n import SUPPORTED, Translator, normalize_locale
from bot.kpis.campaign import campaign_kpis
from bot.kpis.content import content_kpis
from bot.kpis.directory import advocacy_by
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.overall import overall_kpis
from bot.kpis.people import people_figures
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.reviews import review_kpis
from bot.kpis.routing import routing_kpis
from bot.routing import vocabulary_of
from bot.services import Services
from storage.people import utcnow

log = logging.getLogger(__name__)
SESSION_COOKIE = "elci_admin"
LANG_COOKIE = "elci_lang"
PERIODS = (7, 30, 90)
PEOPLE_LISTED = 100
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
SECURITY = {
    **NO_STORE,
    # Everything is inline and served by us: no script, no outside origin at all.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
    "data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": with it Chromium sends "Origin: null" on our own forms.
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Page:
    template: str
    values: dict[str, Any]
    status: int = 200


PageBuilder = Callable[[Services, Translator, web.Request, Period], Page]


class Dashboard:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.templates = Environment(
            loader=PackageLoader("bot.dashboard", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- sign-in ------------------------------------------------------------------------

    async def sign_in_page(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        return self._render(request, Page("signin.html", {"token": token}))

    async def sign_in(self, request: web.Request) -> web.Response:
        self._same_site(request)
        try:
            form = await request.post()
        except ValueError:  # not UTF-8, or a broken multipart body: no browser sends that
            raise web.HTTPBadRequest(text="This sign-in form could not be read.\n") from None
        engine = self.services.engine
        link_token, admin_token = str(form.get("token", "")), str(form.get("admin_token", ""))
        session_token: str | None = None
        if link_token:
            session_token = await asyncio.to_thread(auth.sign_in_with_link, engine, link_token)
            problem = "link"
        elif self._admin_token_ok(admin_token):
            session_token = await asyncio.to_thread(auth.open_session, engine, None)
        else:
            problem = "admin_token"
        if session_token is None:
            log.info("dashboard sign-in refused", extra={"with": problem})
            return self._render(request, Page("refused.html", {"problem": problem}, 403))
        response = web.HTTPSeeOther("/admin", headers=NO_STORE)
        response.set_cookie(
            SESSION_COOKIE,
            session_token,
            max_age=int(auth.SESSION_TTL.total_seconds()),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.services.settings.public_url.startswith("https://"),
        )
        raise response

    async def sign_out(self, request: web.Request) -> web.Response:
        self._same_site(request)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await asyncio.to_thread(auth.close_session, self.services.engine, token)
        response = web.HTTPSeeOther("/admin/signin", headers=NO_STORE)
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    # -- pages --------------------------------------------------------------------------

    def page(self, build: PageBuilder) -> Callable[[web.Request], Awaitable[web.Response]]:
        """A dashboard page: refused without an HR viewer, built off the event loop."""

        async def handle(request: web.Request) -> web.Response:
            viewer = await self._viewer(request)
            if viewer is None:
                response = self._render(request, Page("signin.html", {"needed": True}, 401))
                response.headers["WWW-Authenticate"] = 'Bearer realm="elci-admin"'
                return response
            if not viewer.is_hr:
                return self._render(request, Page("forbidden.html", {}, 403))
            tr = self._translator(request, viewer)
            period, days = _period(request.query.get("days", ""))
            page = await asyncio.to_thread(build, self.services, tr, request, period)
            page.values.update(viewer=viewer, days=days, periods=PERIODS)
            return self._render(request, page, tr)

        return handle

    async def chart_png(self, request: web.Request) -> web.Response:
        """A chat card's chart: drawn for whoever holds a valid signed URL."""
        name = request.match_info["name"]
        query = request.query
        wanted = verify(
            self.services.engine,
            name,
            query.get("lang", ""),
            query.get("exp", ""),
            query.get("sig", ""),
        )
        if wanted is None:
            raise web.HTTPForbidden(text="This chart link is not valid, or has expired.\n")
        tr = self.services.catalogs.get(wanted.locale)
        chart = await asyncio.to_thread(chat_chart, self.services, tr, wanted.name)
        if chart is None:
            raise web.HTTPNotFound()
        png = await asyncio.to_thread(render, chart, "png", tr.t("No data yet"))
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=300"}
        )

    # -- helpers ------------------------------------------------------------------------

    async def _viewer(self, request: web.Request) -> auth.Viewer | None:
        bearer = request.headers.get("Authorization", "")
        if bearer.startswith("Bearer ") and self._admin_token_ok(bearer.removeprefix("Bearer ")):
            return auth.Viewer(None, "", None, is_hr=True)
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        return await asyncio.to_thread(auth.viewer_of, self.services.engine, token)

    def _admin_token_ok(self, given: str) -> bool:
        secret = self.services.settings.admin_token
        return auth.admin_token_matches(secret.get_secret_value() if secret else None, given)

    def _same_site(self, request: web.Request) -> None:
        origin = request.headers.get("Origin")
        if origin is None:
            return
        allowed = {request.host, urlsplit(self.services.settings.public_url).netloc}
        if urlsplit(origin).netloc not in allowed:
            raise web.HTTPForbidden(text="Cross-site request refused.\n")

    def _translator(self, request: web.Request, viewer: auth.Viewer | None = None) -> Translator:
        """The language asked for in the URL, then the cookie, the browser, the person."""
        for wanted in (
            request.query.get("lang"),
            request.cookies.get(LANG_COOKIE),
            *_accepted(request.headers.get("Accept-Language", "")),
            viewer.locale if viewer else None,
        ):
            if normalize_locale(wanted):
                return self.services.catalogs.get(wanted)
        return self.services.catalogs.get(self.services.settings.config.default_locale)

    def _render(
        self, request: web.Request, page: Page, tr: Translator | None = None
    ) -> web.Response:
        tr = tr or self._translator(request)
        template = self.templates.get_template(page.template)
        html = template.render(
            t=tr.t,
            tn=tr.tn,
            lang=tr.locale,
            languages=SUPPORTED,
            path=request.path,
            query=dict(request.query),
            **page.values,
        )
        response = web.Response(
            text=html, status=page.status, content_type="text/html", headers=SECURITY
        )
        if normalize_locale(request.query.get("lang")):
            response.set_cookie(
                LANG_COOKIE, tr.locale, max_age=365 * 86400, path="/", samesite="Lax"
            )
        return response


def svg(chart: Chart, tr: Translator) -> Markup:
    """Inline SVG for a page; matplotlib escapes every label it writes."""
    drawn = render(chart, "svg", tr.t("No data yet")).decode()
    return Markup(drawn[drawn.index("<svg") :])


def _period(days: str) -> tuple[Period, int | None]:
    if days.isdigit() and int(days) in PERIODS:
        return Period(since=utcnow() - timedelta(days=int(days))), int(days)
    return ALL_TIME, None


def _accepted(header: str) -> list[str]:
    """Accept-Language tags, most wanted first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        weighted.append((-weight, position, tag.strip()))
    return [tag for *_, tag in sorted(weighted) if tag]


# -- the pages ---------------------------------------------------------------------------


def overview(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    config = services.settings.config
    kpis = overall_kpis(services.engine, earned_media_settings(config), period)
    return Page(
        "overview.html",
        {
            "kpis": kpis,
            "campaigns": list_campaigns(services.engine, limit=50),
            "networks": svg(
                views.networks_chart(tr, kpis.shares_by_network, kpis.human_clicks_by_network),
                tr,
            ),
            "v": views,
        },
    )


def campaign(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    config = services.settings.config
    wanted = request.match_info["campaign_id"]
    kpis = (
        campaign_kpis(services.engine, int(wanted), earned_media_settings(config), period)
        if wanted.isdigit() and len(wanted) < 12
        else None
    )
    if kpis is None:
        return Page("missing.html", {"campaign_id": wanted}, 404)
    departments = {
        g.key: views.department_label(config, g.key, tr.locale, tr) for g in kpis.departments
    }
    return Page(
        "campaign.html",
        {
            "kpis": kpis,
            "department_names": departments,
            "timeline": svg(views.timeline_chart(tr, kpis.timeline), tr),
            "networks": svg(
                views.networks_chart(tr, kpis.shares_by_network, kpis.human_clicks_by_network),
                tr,
            ),
            "by_department": svg(
                views.departments_chart(tr, config, kpis.departments, tr.locale), tr
            ),
            "v": views,
        },
    )


def content(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    return Page("content.html", {"items": content_kpis(services.engine, period), "v": views})


def people(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    config = services.settings.config
    rows = people_figures(services.engine, period, limit=PEOPLE_LISTED)
    names = {
        row.department or "": views.department_label(config, row.department or "", tr.locale, tr)
        for row in rows
    }
    return Page("people.html", {"people": rows, "department_names": names, "v": views})


def departments(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    config = services.settings.config
    groups = advocacy_by(services.engine, "department", period)
    desks = routing_kpis(services.engine, vocabulary_of(config), period)
    keys = {g.key for g in groups} | {d.department for d in desks}
    return Page(
        "departments.html",
        {
            "groups": groups,
            "desks": desks,
            "names": {k: views.department_label(config, k, tr.locale, tr) for k in keys},
            "chart": svg(views.departments_chart(tr, config, groups, tr.locale), tr),
            "v": views,
        },
    )


def drafts(services: Services, tr: Translator, request: web.Request, period: Period) -> Page:
    config = services.settings.config
    reviews = review_kpis(services.engine, period)
    names = {
        d.department: views.department_label(config, d.department, tr.locale, tr)
        for d in reviews.departments
    }
    return Page("drafts.html", {"reviews": reviews, "names": names, "v": views})


def mount(app: web.Application, services: Services) -> None:
    dashboard = Dashboard(services)
    app.router.add_get("/admin/signin", dashboard.sign_in_page)
    app.router.add_post("/admin/signin", dashboard.sign_in)
    app.router.add_post("/admin/signout", dashboard.sign_out)
    app.router.add_get("/admin", dashboard.page(overview))
    app.router.add_get("/admin/campaigns/{campaign_id}", dashboard.page(campaign))
    app.router.add_get("/admin/content", dashboard.page(content))
    app.router.add_get("/admin/people", dashboard.page(people))
    app.router.add_get("/admin/departments", dashboard.page(departments))
    app.router.add_get("/admin/drafts", dashboard.page(drafts))
    app.router.add_get("/charts/{name}.png", dashboard.chart_png)
