"""The node's usage summary, for the families' and citizens' page: how many requests on
each dataset were granted or refused, counted by **participant type** and **purpose** —
never by party, so that no person (and no organisation) is named.

``GET /audit/summary?lang=fr`` answers JSON to callers holding ``[usage]
transparency_role`` (the families' page's participant) or the DPD role, under the
node's built-in policy for the resource ``audit-summary``
(:func:`connector.usage.resources.audit_summary_policy`); every read and every refusal is
one entry of the log, which names no dataset and so counts in no summary. A party's type
comes from ``[usage.party_types]``; the public (no token) is ``public``; any other party is
``autre``. ``labels`` names, in the language asked, the parties and groups the node's
dataset policies name (what the page needs to word those policies), nothing else.

>>> (await usage_summary(ctx, "fr")).datasets[0].groups[0].type  # doctest: +SKIP
'recherche'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.audit import AuditLog, UseCount
from connector.config import NodeConfig
from connector.dpd._context import AuditContext, Forbidden, authorise, usage_control
from connector.dpd._filter import check_lang
from connector.dpd._node import party_labels
from connector.errors import QueryError
from connector.footprint import FootprintStore
from connector.identity.asgi import caller
from connector.identity.party import PUBLIC_PARTY
from connector.usage import UsageControl
from connector.usage.resources import AUDIT_SUMMARY
from policies import Policy

PUBLIC_TYPE = "public"
OTHER_TYPE = "autre"


@dataclass(frozen=True)
class UseGroup:
    """Requests of one participant type for one purpose (``None``: none declared)."""

    type: str
    purpose: str | None
    permit: int
    deny: int


@dataclass(frozen=True)
class Cost:
    """What answering the requests on a dataset cost the node, by its footprint totals
    (:mod:`connector.footprint`: CPU and bytes sent, as energy and g CO2e)."""

    requests: float
    energyWh: float
    gCo2e: float


@dataclass(frozen=True)
class DatasetUses:
    iri: str
    id: str
    title: str
    groups: tuple[UseGroup, ...]
    cost: Cost | None = None


@dataclass(frozen=True)
class UsageSummary:
    node: str
    title: str
    participant: str
    labels: dict[str, str]
    datasets: tuple[DatasetUses, ...]


def party_type(config: NodeConfig, party: str) -> str:
    """The type the summary counts ``party`` under."""
    if party == PUBLIC_PARTY:
        return config.usage.party_types.get(party, PUBLIC_TYPE)
    return config.usage.party_types.get(party, OTHER_TYPE)


def group_uses(config: NodeConfig, counts: Iterable[UseCount]) -> dict[str, tuple[UseGroup, ...]]:
    """``counts`` summed by dataset, participant type and purpose; groups in a stable order
    (most requests first)."""
    sums: dict[str, dict[tuple[str, str | None], list[int]]] = {}
    for c in counts:
        key = (party_type(config, c.party), c.purpose)
        tally = sums.setdefault(c.dataset, {}).setdefault(key, [0, 0])
        tally[0] += c.permit
        tally[1] += c.deny
    return {
        ds: tuple(
            sorted(
                (UseGroup(t, p, n[0], n[1]) for (t, p), n in groups.items()),
                key=lambda g: (-(g.permit + g.deny), g.type, g.purpose or ""),
            )
        )
        for ds, groups in sums.items()
    }


def policy_parties(policies: Iterable[tuple[Policy, ...]]) -> set[str]:
    """Every assignee, assigner and party by function the policies name."""
    found: set[str] = set()
    for loaded in policies:
        for policy in loaded:
            for rule in policy.rules:
                for r in (rule, *rule.duties):
                    found |= {p.iri for p in (r.assignee, r.assigner) if p is not None}
                    found |= {iri for _, iri in r.functions}
    return found


async def usage_summary(ctx: AuditContext, lang: str | None = "fr") -> UsageSummary:
    """Requests on each of the node's datasets by participant type and purpose."""
    await authorise(ctx, "usageSummary", {"lang": lang}, resource=AUDIT_SUMMARY)
    checked = check_lang(lang)
    control = usage_control(ctx)
    grouped = group_uses(ctx.config, await ctx.audit.use_counts())
    named = policy_parties(p.policies for p in control.policies.values())
    named.add(ctx.config.participant)
    every = party_labels(ctx.config, checked)
    c = ctx.config
    spent = await FootprintStore(ctx.audit.engine, ctx.audit.writer).totals(None, None)
    f = c.footprint.factors

    def cost(dataset: str) -> Cost | None:
        t = spent.get(dataset)
        if t is None:
            return None
        wh = f.energy_wh(t.cpu_seconds, t.bytes_sent)
        return Cost(requests=t.requests, energyWh=wh, gCo2e=f.grams_co2e(wh))

    return UsageSummary(
        node=c.name,
        title=c.title,
        participant=c.participant,
        labels={iri: every[iri] for iri in sorted(named) if iri in every},
        datasets=tuple(
            DatasetUses(
                iri=ds.iri,
                id=ds.id,
                title=ds.title,
                groups=grouped.get(ds.id, ()),
                cost=cost(ds.id),
            )
            for ds in c.datasets.values()
        ),
    )


async def summary_view(
    request: Request, config: NodeConfig, audit: AuditLog, control: UsageControl | None
) -> Response:
    """``GET /audit/summary?lang=fr``: :func:`usage_summary` as JSON."""
    ctx = AuditContext(
        config,
        audit,
        caller(request),
        document=f"GET {request.url.path}",
        variables=dict(request.query_params),
        control=control,
    )
    try:
        unknown = set(request.query_params) - {"lang"}
        if unknown:
            raise QueryError(f"unknown parameter {sorted(unknown)[0]!r}; expected lang")
        summary = await usage_summary(ctx, request.query_params.get("lang", "fr"))
    except Forbidden as exc:
        return JSONResponse({"error": str(exc)}, status_code=403)
    except QueryError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(asdict(summary))
