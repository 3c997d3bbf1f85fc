"""The showcase of ``guichet demo``: the queries a client of the data space would send,
over HTTP, with the demo participants' tokens, and their answers rendered as text — a
permitted, an aggregated, a denied and a derived query on the nodes, and one federated
query; the walk through every building of the agglomeration on the gateway is
:mod:`.showcase_partitions`, results-only sharing :mod:`.showcase_results`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from connector.demo.participants import DPV, GUI, token
from connector.errors import GuichetError

SCHOOL_QUERY = """
query School {
  buildings(filter: {usage: {eq: "school"}, name: {eq: "École Saint-Christophe"}}) {
    nodes { rnbId uai name address yearBuilt floorArea
            energyUses(filter: {year: {eq: 2024}}) { carrier use kwh } }
  }
}"""

CLASSROOM_QUERY = """
query Classrooms {
  observationStats(field: VALUE, filter: {observedProperty: {eq: "co2"}},
                   groupBy: [SPACE_ID], thresholds: [1000, 1700]) {
    group { spaceId } count mean max above { threshold share }
  }
}"""

BILL_QUERY = """
query Bill($rnb: RnbId!) {
  materialLines(first: 8, filter: {rnbId: {eq: $rnb}}, orderBy: [{field: LOT}]) {
    nodes { lot description quantity unit productId }
    totalCount
  }
}"""


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join("    " + x for x in out)


ICONE_QUERY = """
query Icone($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Building {
      spaces { id name }
      indoorAir(from: "2025-09-01T00:00:00+02:00", to: "2026-07-04T00:00:00+02:00") {
        spaceId icone f1 f2 shareAbove1500 occupiedReadings method
        weeks { week icone }
        worstWeek { week periodStart periodEnd icone f1 f2 occupiedReadings method }
        wasDerivedFrom { title publisher }
      }
    }
  }
}"""
SCHOOL_YEAR = "2025-09-01 → 2026-07-04 (Europe/Paris)"
PARIS = ZoneInfo("Europe/Paris")
WEEKLY_EXAMPLE = "CL06"
"""The classroom whose ICONE the showcase prints week by week (the most confined one)."""

DENIED_QUERY = """
query RawReadings {
  observations(first: 3, filter: {observedProperty: {eq: "co2"}}) { nodes { resultTime value } }
}"""


async def _post(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post(
        url, json={"query": query, "variables": dict(variables or {})}, headers=headers
    )
    body: dict[str, Any] = r.json()
    return body


def _data(body: dict[str, Any], url: str) -> dict[str, Any]:
    if body.get("errors"):
        raise GuichetError(f"{url}: {body['errors'][0]['message']}")
    data: dict[str, Any] = body["data"]
    return data


def _terms(body: dict[str, Any]) -> str:
    out = []
    for u in body.get("extensions", {}).get("usage", []):
        credit = ", ".join(a.rsplit("/", 1)[-1] for a in u["attribution"]) or "-"
        out.append(
            f"    permitted by {u['rule']}\n"
            f"    duties: {', '.join(u['duties']) or '-'}; credit: {credit}"
        )
    return "\n".join(out)


def _local_day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(PARIS).date().isoformat()


def _icone(building: dict[str, Any]) -> list[str]:
    """Section 4: ICONE per week (the protocol's period) with the worst week of each
    classroom, one classroom week by week, and the school-year aggregate, each labelled."""
    names = {s["id"]: s["name"] for s in building["spaces"] or ()}
    reports = building["indoorAir"]
    out = [
        "4. DERIVED — anyone gets the ICONE confinement index per classroom, on occupied "
        "times (atmo, no token)",
        "    a) per week of occupied time, the period the protocol defines ICONE over; the "
        "worst week of the school year",
        f"       method: {reports[0]['worstWeek']['method']}" if reports else "",
    ]
    rows = []
    for r in reports:
        w = r["worstWeek"]
        spread = [sum(x["icone"] == i for x in r["weeks"]) for i in range(6)]
        rows.append(
            [
                r["spaceId"].rsplit("/", 1)[-1],
                names.get(r["spaceId"], ""),
                f"{w['week']} [{_local_day(w['periodStart'])}, {_local_day(w['periodEnd'])})",
                str(w["icone"]),
                f"{w['f1']:.3f}",
                f"{w['f2']:.3f}",
                f"{w['occupiedReadings']:,}",
                " ".join(str(n) for n in spread),
            ]
        )
    header = ["room", "name", "worst week [Monday, next Monday)", "ICONE", "f1", "f2", "readings"]
    out.append(_table(rows, [*header, "weeks at ICONE 0 1 2 3 4 5"]))
    example = next((r for r in reports if r["spaceId"].endswith("/" + WEEKLY_EXAMPLE)), None)
    if example is not None:
        out.append(
            f"    b) {WEEKLY_EXAMPLE} « {names.get(example['spaceId'], '')} », ICONE week by "
            f"week ({len(example['weeks'])} weeks with occupied readings):"
        )
        cells = [f"{w['week'][5:]}:{w['icone']}" for w in example["weeks"]]
        out += ["       " + " ".join(cells[i : i + 12]) for i in range(0, len(cells), 12)]
    out += [
        f"    c) school-year aggregate, {SCHOOL_YEAR}: every occupied reading pooled",
        f"       method: {reports[0]['method']}" if reports else "",
    ]
    rows = [
        [
            r["spaceId"].rsplit("/", 1)[-1],
            str(r["icone"]),
            f"{r['f1']:.3f}",
            f"{r['f2']:.3f}",
            f"{100 * r['shareAbove1500']:.1f} %",
            f"{r['occupiedReadings']:,}",
        ]
        for r in reports
    ]
    out.append(_table(rows, ["room", "ICONE", "f1", "f2", "> 1500", "occupied readings"]))
    return out


async def showcase(
    urls: Mapping[str, str], issuer: str, creds: Mapping[str, dict[str, str]]
) -> str:
    """Query each node over HTTP with tokens from the issuer and render the answers."""
    out: list[str] = []
    base = {n: u.rsplit("/graphql", 1)[0] for n, u in urls.items()}
    async with httpx.AsyncClient(timeout=60) as client:
        cda = await token(client, issuer, creds["cda"], audience=base["cda"])
        body = await _post(client, urls["cda"], SCHOOL_QUERY, token=cda)
        school = _data(body, urls["cda"])["buildings"]["nodes"]
        if not school:
            raise GuichetError("the demo register holds no École Saint-Christophe")
        b = school[0]
        out.append("1. PERMITTED — the agglomeration reads its register and energy data (cda)")
        out.append(
            f"    {b['name']} (RNB {b['rnbId']}, UAI {b['uai']}), {b['address']}, "
            f"built {b['yearBuilt']}, {b['floorArea']:,.0f} m²"
        )
        rows = [[e["carrier"], e["use"], f"{e['kwh']:,.0f}"] for e in b["energyUses"]]
        out += [_table(rows, ["carrier", "use", "kWh 2024"]), _terms(body)]

        univ = await token(
            client,
            issuer,
            creds["univ-lr"],
            audience=base["atmo"],
            purpose=DPV + "AcademicResearch",
        )
        body = await _post(client, urls["atmo"], CLASSROOM_QUERY, token=univ)
        stats = _data(body, urls["atmo"])["observationStats"]
        out.append(
            "\n2. AGGREGATED — the university's researchers get CO2 aggregates over the "
            "school year, for academic research (atmo)"
        )
        rows = [
            [
                s["group"]["spaceId"],
                f"{s['count']:,}",
                f"{s['mean']:.0f}",
                f"{s['max']:.0f}",
                f"{100 * s['above'][0]['share']:.1f} %",
                f"{100 * s['above'][1]['share']:.1f} %",
            ]
            for s in stats
        ]
        out += [
            _table(rows, ["space", "readings", "mean ppm", "max ppm", "> 1000", "> 1700"]),
            _terms(body),
        ]

        body = await _post(client, urls["atmo"], DENIED_QUERY, token=univ)
        out.append("\n3. DENIED — the same researchers ask for the raw readings (atmo)")
        for e in body.get("errors", []):
            ext = e.get("extensions", {})
            out += [
                f"    {ext.get('code')}: dataset {ext.get('dataset')}",
                f"    policy {ext.get('policy')}",
                f"    reason: {ext.get('reason')}",
            ]
        out.append(f"    data: {json.dumps(body.get('data'))}")

        body = await _post(
            client,
            urls["atmo"],
            ICONE_QUERY,
            {"r": [{"__typename": "Building", "rnbId": b["rnbId"]}]},
        )
        out += ["", *_icone(_data(body, urls["atmo"])["_entities"][0]), _terms(body)]

        carbon = await token(
            client,
            issuer,
            creds["cda"],
            audience=base["bouygues"],
            purpose=GUI + "CarbonAccounting",
        )
        body = await _post(client, urls["bouygues"], BILL_QUERY, {"rnb": b["rnbId"]}, token=carbon)
        bill = _data(body, urls["bouygues"])
        out.append(
            "\n5. PERMITTED FOR A PURPOSE — the agglomeration reads the bill of quantities "
            f"for carbon accounting (bouygues, {bill['materialLines']['totalCount']} "
            "lines)"
        )
        rows = [
            [str(m["lot"]), m["description"], f"{m['quantity']:g}", m["unit"] or "", m["productId"]]
            for m in bill["materialLines"]["nodes"]
        ]
        out += [_table(rows, ["lot", "line", "quantity", "unit", "product"]), _terms(body)]
    return "\n".join(out)


FEDERATED_QUERY = """
query School($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      rnbId name address floorArea
      carbon {
        project projectName projectKind referenceArea permitYear
        icConstruction embodiedKgCo2e threshold thresholdPeriod verdict verdictReason
        byLot { lot kgCo2ePerM2 }
        operationalYear operationalKgCo2ePerYear operationalKgCo2ePerM2 operationalMethod
        wasDerivedFrom { iri }
      }
      indoorAir(from: "2025-09-01T00:00:00+02:00", to: "2026-07-04T00:00:00+02:00") {
        spaceId icone shareAbove1500 occupiedReadings worstWeek { week icone }
      }
    }
  }
}"""


async def federated(
    gateway: str, issuer: str, creds: Mapping[str, dict[str, str]], audiences: list[str]
) -> str:
    """One query to the gateway: the school's register entry, carbon (computed on the
    agglomeration's node from the construction company's bill) and classrooms' ICONE."""
    async with httpx.AsyncClient(timeout=120) as client:
        cda = await token(
            client, issuer, creds["cda"], audience=audiences, purpose=GUI + "CarbonAccounting"
        )
        body = await _post(
            client, gateway, FEDERATED_QUERY, {"name": "École Saint-Christophe"}, token=cda
        )
    b = _data(body, gateway)["buildings"]["nodes"][0]
    c = b["carbon"]
    ic = c["icConstruction"]
    out = [
        f"6. FEDERATED — one query to the gateway, answered by three nodes ({gateway}); "
        "the school extension's bill is shared with the agglomeration's node, which computes "
        "its carbon",
        f"    {b['name']} — {b['address']} — {b['floorArea']:,.0f} m²",
        f"    project {c['project']} ({c['projectKind']}): {c['projectName']}, reference "
        f"area SRef {c['referenceArea']:,.0f} m², permit filed {c['permitYear']}",
        "    embodied carbon (RE2020, 50 years): Ic_construction "
        + (
            f"{ic:.1f} kg CO2e per m² of the {c['projectKind']} "
            f"({c['embodiedKgCo2e'] / 1000:,.1f} t CO2e / {c['referenceArea']:,.0f} m²)"
            if ic is not None
            else "not computed"
        ),
        f"    verdict against the school threshold, permits {c['thresholdPeriod']}: "
        f"{c['verdict']} — {c['verdictReason']}",
    ]
    rows = [[str(x["lot"]), f"{x['kgCo2ePerM2']:.1f}"] for x in c["byLot"]]
    out.append(_table(rows, ["RE2020 lot", "kg CO2e/m²"]))
    out.append(
        f"    operational carbon {c['operationalYear']}: "
        f"{c['operationalKgCo2ePerYear'] / 1000:.2f} t CO2e a year "
        f"({c['operationalKgCo2ePerM2']:.1f} kg/m² of the building)"
    )
    out.append(f"    operational method: {c['operationalMethod']}")
    out.append("    derived from: " + ", ".join(d["iri"] for d in c["wasDerivedFrom"]))
    rows = [
        [
            r["spaceId"],
            f"{r['worstWeek']['icone']} ({r['worstWeek']['week']})",
            str(r["icone"]),
            f"{100 * r['shareAbove1500']:.1f} %",
        ]
        for r in b["indoorAir"]
    ]
    header = ["classroom", "ICONE, worst week", "ICONE, school year (pooled)"]
    out.append(_table(rows, [*header, "occupied time > 1500 ppm"]))
    return "\n".join(out)
