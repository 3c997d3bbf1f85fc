"""Section 8 of the showcase: results-only sharing. The construction company's node
computes the housing project's embodied carbon (LOG-MIN) from its own bill and the
agglomeration's product declarations, and the landlord — who may derive from the bill, not
read it — gets the result through the gateway, while the bill itself is refused. Section 6
shows the other mode: the school extension's bill, read by the agglomeration's node."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from connector.demo.participants import GUI, token
from connector.demo.showcase import _data, _post, _table, _terms

PROJECT = "LOG-MIN"
RESULTS_QUERY = """
query Housing($id: ID!) {
  constructionProject(id: $id) {
    id name kind referenceArea permitYear
    carbon {
      icConstruction embodiedKgCo2e threshold thresholdPeriod verdict verdictReason
      byLot { lot kgCo2ePerM2 } byModule { module kgCo2ePerM2 }
      computedBy declarations wasDerivedFrom { iri publisher }
    }
  }
}"""
BILL_QUERY = """
query Bill($id: ID!) {
  materialLines(first: 1, filter: {projectId: {eq: $id}}) { nodes { lot quantity } }
}"""


async def results_only(
    gateway: str, issuer: str, creds: Mapping[str, dict[str, str]], audiences: list[str]
) -> str:
    """The landlord's two queries to the gateway, rendered."""
    async with httpx.AsyncClient(timeout=120) as client:
        landlord = await token(
            client, issuer, creds["bailleur"], audience=audiences, purpose=GUI + "CarbonAccounting"
        )
        body = await _post(client, gateway, RESULTS_QUERY, {"id": PROJECT}, token=landlord)
        refused = await _post(client, gateway, BILL_QUERY, {"id": PROJECT}, token=landlord)
    p = _data(body, gateway)["constructionProject"]
    c = p["carbon"]
    out = [
        "8. RESULTS ONLY — the landlord gets the housing project's embodied carbon, computed "
        f"by the construction company's node; the bill never leaves it ({gateway})",
        f"    project {p['id']} ({p['kind']}): {p['name']}, reference area SRef "
        f"{p['referenceArea']:,.0f} m², permit filed {p['permitYear']}",
        f"    Ic_construction {c['icConstruction']:.1f} kg CO2e per m² "
        f"({c['embodiedKgCo2e'] / 1000:,.1f} t CO2e / {p['referenceArea']:,.0f} m²); "
        f"verdict, permits {c['thresholdPeriod']}: {c['verdict']} — {c['verdictReason']}",
    ]
    rows = [[str(x["lot"]), f"{x['kgCo2ePerM2']:.1f}"] for x in c["byLot"]]
    out.append(_table(rows, ["RE2020 lot", "kg CO2e/m²"]))
    rows = [[x["module"], f"{x['kgCo2ePerM2']:.1f}"] for x in c["byModule"]]
    out.append(_table(rows, ["module", "kg CO2e/m²"]))
    out += [
        f"    computed by {c['computedBy']}, with the declarations {', '.join(c['declarations'])}",
        "    derived from: "
        + ", ".join(f"{d['iri']} ({d['publisher']})" for d in c["wasDerivedFrom"]),
        _terms(body),
    ]
    for e in refused.get("errors", []):
        ext = e.get("extensions", {})
        out += [
            f"    the bill itself, asked by the landlord: {ext.get('code')} "
            f"(dataset {ext.get('dataset')}, action {ext.get('action')})",
            f"    reason: {ext.get('reason')}",
        ]
    return "\n".join(out)
