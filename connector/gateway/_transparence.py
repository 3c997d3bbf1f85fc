"""The families' and citizens' page, served by the gateway: ``/transparence/`` lists the
schools, ``/transparence/<UAI>`` shows one school's classrooms: their air this school year
and the latest week measured (ICONE, the HCSP's 800 and 1500 ppm marks, a chart drawn as
inline SVG by the server), what is measured, by whom and on which terms (the datasets'
catalog entries and policies, in plain words), who used the data (counts by participant
type and purpose) and how to exercise one's rights. French by default, ``?lang=en`` for
English. Public: no login, no cookie, no script, nothing loaded from outside; where each
figure comes from is said in :mod:`._transparence_data`.

>>> routes = transparence_routes(gateway, TransparenceSettings())  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from connector.domain.icone import icone_constants
from connector.errors import GuichetError
from connector.gateway._gateway import Gateway
from connector.gateway._transparence_chart import WeekBar, week_chart
from connector.gateway._transparence_data import (
    AIR_QUERY,
    SCHOOLS_QUERY,
    CatalogEntry,
    Participant,
    Sources,
)
from connector.gateway._transparence_words import LEVELS, Lang, party_type, words
from policies.explain import concept_label, explain

PATH = "/transparence"
TEMPLATES = Path(__file__).parent / "templates"
UAI = re.compile(r"[0-9]{7}[A-Z]")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class TransparenceSettings:
    """``school_year``: the period the page shows (ISO instants, ``[from, to)``);
    ``timezone`` its dates'; ``dpd_name`` and ``dpd_contact`` the data protection
    officer's; ``participant`` the page's own credentials (``None``: no usage counts)."""

    school_year: tuple[str, str] = ("2025-09-01T00:00:00+02:00", "2026-07-04T00:00:00+02:00")
    timezone: str = "Europe/Paris"
    dpd_name: str = ""
    dpd_contact: str = ""
    participant: Participant | None = None


def lang_of(request: Request) -> Lang:
    asked = request.query_params.get("lang")
    return "en" if asked == "en" else "fr"


def percent(share: float, lang: Lang) -> str:
    """``share`` (0 to 1) in per cent, rounded half up."""
    value = math.floor(100 * share + 0.5)
    return f"{value}\u202f%" if lang == "fr" else f"{value}%"


def ppm(value: float, lang: Lang) -> str:
    text = f"{round(value):,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


class Page:
    """One request's page: its language, words and formatting."""

    def __init__(self, settings: TransparenceSettings, lang: Lang) -> None:
        self.settings, self.lang, self.t = settings, lang, words(lang)
        self.zone = ZoneInfo(settings.timezone)
        self.constants = icone_constants()

    def date(self, moment: datetime) -> str:
        d = moment.astimezone(self.zone)
        month = MONTHS[self.lang][d.month - 1]
        if self.lang == "en":
            return f"{month} {d.day}, {d.year}"
        return f"{'1er' if d.day == 1 else d.day} {month} {d.year}"

    def period(self, start: str, end: str) -> str:
        """``[start, end)`` as the first and last days."""
        first = datetime.fromisoformat(start)
        last = datetime.fromisoformat(end).astimezone(self.zone) - timedelta(days=1)
        return self.t["period"].format(start=self.date(first), end=self.date(last))

    def figures(self, r: dict[str, Any]) -> dict[str, str]:
        c, t, lang = self.constants, self.t, self.lang
        guidance, action = round(c.guidance_ppm), round(c.action_ppm)
        return {
            "icone": t["icone_is"].format(value=r["icone"], level=LEVELS[lang][r["icone"]]),
            "action": t["above_action"].format(
                share=percent(r["shareAbove1500"], lang), action=action
            ),
            "guidance": t["above_guidance"].format(
                share=percent(r["shareAbove800"], lang), guidance=guidance
            ),
            "mean_max": t["mean_max"].format(mean=ppm(r["mean"], lang), max=ppm(r["max"], lang)),
            "readings": t["readings"].format(n=ppm(r["occupiedReadings"], lang)),
        }

    def room(self, space: dict[str, Any], report: dict[str, Any] | None) -> dict[str, Any]:
        code = space["id"].rsplit("/", 1)[-1]
        name = space["name"]
        title = f"{code} « {name} »" if self.lang == "fr" else f"{code} “{name}”"
        room: dict[str, Any] = {"code": code, "name": name, "title": title, "air": None}
        if report is None:
            return room
        weeks = sorted(report.get("weeks") or [], key=lambda w: w["week"])
        last = weeks[-1] if weeks else None
        c = self.constants
        chart_id = f"chart-{code}"
        room["air"] = {
            "year": self.figures(report),
            "year_period": self.period(*self.settings.school_year),
            "week": self.figures(last) if last else None,
            "week_period": self.period(last["periodStart"], last["periodEnd"]) if last else "",
            "worst": report.get("worstWeek"),
            "chart": week_chart(
                [WeekBar(w["week"], w["mean"], w["max"]) for w in weeks],
                guidance=c.guidance_ppm,
                action=c.action_ppm,
                chart_id=chart_id,
                title=self.t["chart_title"].format(room=title),
                description=self.t["chart_desc"].format(
                    guidance=round(c.guidance_ppm), action=round(c.action_ppm)
                ),
            ),
            "rows": [
                {
                    "week": w["week"],
                    "icone": w["icone"],
                    "mean": ppm(w["mean"], self.lang),
                    "max": ppm(w["max"], self.lang),
                    "action": percent(w["shareAbove1500"], self.lang),
                }
                for w in weeks
            ],
        }
        return room

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        c = self.constants
        context.setdefault("problems", [])
        html = ENV.get_template(template).render(
            t=self.t,
            lang=self.lang,
            other="en" if self.lang == "fr" else "fr",
            guidance=round(c.guidance_ppm),
            action=round(c.action_ppm),
            f1=round(c.f1_lower_ppm),
            f2=round(c.f2_lower_ppm),
            settings=self.settings,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)


def _errors(body: dict[str, Any]) -> list[str]:
    return [str(e.get("message", "")) for e in body.get("errors") or ()]


def describe(entry: CatalogEntry, labels: dict[str, str], lang: Lang) -> dict[str, Any]:
    """A dataset for the page: its catalog entry and its policy in plain words."""
    named = {entry.iri: entry.title, **labels}
    return {
        "iri": entry.iri,
        "title": entry.title,
        "description": entry.description,
        "publisher": labels.get(entry.publisher) or entry.publisher,
        "personal": entry.personal_data,
        "sentences": [s.text for s in explain(entry.policy, lang=lang, labels=named)]
        if entry.policy is not None
        else [],
    }


def uses(summary: dict[str, Any], iris: Sequence[str], lang: Lang) -> list[dict[str, Any]]:
    """The summary's groups for the datasets ``iris``, summed over those datasets."""
    labels = summary.get("labels") or {}
    sums: dict[tuple[str, str | None], list[int]] = {}
    for ds in summary.get("datasets") or ():
        if ds.get("iri") not in iris:
            continue
        for g in ds.get("groups") or ():
            tally = sums.setdefault((str(g["type"]), g.get("purpose")), [0, 0])
            tally[0] += int(g["permit"])
            tally[1] += int(g["deny"])
    t = words(lang)
    return [
        {
            "type": party_type(kind, lang),
            "purpose": concept_label(purpose, lang=lang, labels=labels)
            if purpose
            else t["who_no_purpose"],
            "permit": n[0],
            "deny": n[1],
        }
        for (kind, purpose), n in sorted(sums.items(), key=lambda x: (-sum(x[1]), x[0][0]))
    ]


def cost(summary: dict[str, Any], iris: Sequence[str], lang: Lang) -> str | None:
    """The line saying what answering the requests on the datasets ``iris`` cost the node
    (its footprint: energy and g CO2e), or None when it has not counted any."""
    wh = grams = 0.0
    counted = False
    for ds in summary.get("datasets") or ():
        c = ds.get("cost") if ds.get("iri") in iris else None
        if isinstance(c, dict):
            wh += float(c.get("energyWh") or 0.0)
            grams += float(c.get("gCo2e") or 0.0)
            counted = True
    if not counted:
        return None

    def number(x: float) -> str:
        """Two significant figures below 1 (never 8e-05), one decimal above."""
        if x <= 0:
            text = "0"
        elif x >= 1:
            text = f"{x:.1f}"
        else:
            text = f"{x:.{1 - math.floor(math.log10(x))}f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if lang == "fr" else text

    return words(lang)["who_cost"].format(wh=number(wh), g=number(grams))


class Transparence:
    """The page's two views."""

    def __init__(self, gateway: Gateway, settings: TransparenceSettings) -> None:
        self.settings = settings
        self.sources = Sources(gateway, settings.participant)

    async def index(self, request: Request) -> Response:
        page = Page(self.settings, lang_of(request))
        body = await self.sources.graphql(SCHOOLS_QUERY, {})
        nodes = ((body.get("data") or {}).get("buildings") or {}).get("nodes") or []
        schools = sorted((n for n in nodes if n.get("uai")), key=lambda n: n["name"].casefold())
        return page.render("transparence/index.html", schools=schools, problems=_errors(body))

    async def school(self, request: Request) -> Response:
        page = Page(self.settings, lang_of(request))
        uai = request.path_params["uai"].upper()
        found = await self._find(uai) if UAI.fullmatch(uai) else None
        if found is None:
            return page.render(
                "transparence/not_found.html", 404, message=page.t["not_found"].format(uai=uai)
            )
        start, end = self.settings.school_year
        body = await self.sources.graphql(
            AIR_QUERY, {"rnb": found["rnbId"], "from": start, "to": end}
        )
        building = (body.get("data") or {}).get("building") or found
        reports = {r["spaceId"]: r for r in building.get("indoorAir") or ()}
        spaces = [s for s in building.get("spaces") or () if s.get("usage") == "classroom"]
        spaces.sort(key=lambda s: s["id"].rsplit("/", 1)[-1])
        rooms = [page.room(s, reports.get(s["id"])) for s in spaces]
        iris = sorted({d["iri"] for r in reports.values() for d in r["wasDerivedFrom"]})
        datasets, counts = await self._about(iris, page.lang)
        return page.render(
            "transparence/school.html",
            school=building,
            rooms=rooms,
            datasets=datasets,
            counts=counts,
            problems=_errors(body),
        )

    async def _find(self, uai: str) -> dict[str, Any] | None:
        body = await self.sources.graphql(SCHOOLS_QUERY, {})
        nodes = ((body.get("data") or {}).get("buildings") or {}).get("nodes") or []
        return next((n for n in nodes if n.get("uai") == uai), None)

    async def _about(
        self, iris: Sequence[str], lang: Lang
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The datasets ``iris`` described, and the usage counts of the nodes holding them."""
        entries = [e for e in (self.sources.catalog_entry(i) for i in iris) if e is not None]
        nodes = sorted({e.node for e in entries})
        summaries = await asyncio.gather(
            *(self.sources.summary(n, lang) for n in nodes), return_exceptions=True
        )
        labels: dict[str, str] = {}
        counts: list[dict[str, Any]] = []
        t = words(lang)
        for node, s in zip(nodes, summaries, strict=True):
            if isinstance(s, BaseException):
                why = str(s) if isinstance(s, GuichetError) else type(s).__name__
                counts.append({"node": node, "error": t["who_error"].format(node=node, error=why)})
                continue
            labels |= s.get("labels") or {}
            mine = [e.iri for e in entries if e.node == node]
            counts.append(
                {
                    "node": s.get("title") or node,
                    "error": None,
                    "rows": uses(s, mine, lang),
                    "cost": cost(s, mine, lang),
                }
            )
        return [describe(e, labels, lang) for e in entries], counts


def transparence_routes(gateway: Gateway, settings: TransparenceSettings) -> list[BaseRoute]:
    """The page's routes, to mount on the gateway's app."""
    view = Transparence(gateway, settings)
    css = (TEMPLATES / "transparence" / "transparence.css").read_bytes()

    async def stylesheet(_: Request) -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    return [
        Route(PATH + "/", view.index, methods=["GET"]),
        Route(PATH + "/static/transparence.css", stylesheet, methods=["GET"]),
        Route(PATH + "/{uai}", view.school, methods=["GET"]),
    ]
