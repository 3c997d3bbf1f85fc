"""``ConstructionProject.carbon``: results-only sharing of a builder's embodied carbon.

The builder's node holds the bill of quantities (``MaterialLine``) and its projects; with
``[carbon] declarations = "<node URL>"`` it computes each project's RE2020
``Ic_construction`` itself and publishes only the result — per lot and per module, with
its provenance: the datasets it was derived from (its own bill, and the declarations'
dataset as their holder's answer names it), the product declarations used, the method, and
the participant whose node computed it. The bill never leaves the node: a caller needs
``derive`` on it, not ``read`` (:data:`connector.computed.COMPUTED`).

The product declarations stay at their holder (the agglomeration's node): the builder's
node asks that node for the ones its bills use, with Federation's ``_entities``, in **one**
request per query whatever the number of projects and lines (a batching loader), and the
holder's policy decides what it may have. The computation is the agglomeration's own
(:func:`~connector.graphql._carbon.embodied`), so both modes give the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import strawberry

from connector.domain import ProductDeclaration, declaration_from_row
from connector.domain.re2020 import METHOD, dynamic_weights
from connector.errors import QueryError, SourceError
from connector.graphql._apply import computed, settle
from connector.graphql._carbon import LotShare, ModuleShare, embodied
from connector.graphql._carbon_project import choose_project
from connector.graphql._common import signed_resolver, term
from connector.graphql._context import RequestContext
from connector.graphql._indoor import DatasetRef
from connector.model import PRODUCT
from connector.sources.base import Condition, Select
from connector.usage import Action, GroupCount, PolicyDenied

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder

DECLARATIONS_QUERY = (
    "query Declarations($r: [_Any!]!) { _entities(representations: $r) "
    "{ ... on ProductDeclaration { " + " ".join(f.name for f in PRODUCT.fields) + " } } }"
)
LINE_FIELDS = ("id", "projectId", "lot", "quantity", "productId")
PROJECT_FIELDS = ("id", "name", "kind", "referenceArea", "permitYear")
TIMEOUT = 30.0


@strawberry.federation.type(
    shareable=True,
    directives=[term("gui:CarbonAssessment")],
    description="A construction project's embodied carbon (RE2020 Ic_construction), "
    "computed by the node that holds its bill: the result only, with its provenance.",
)
class ProjectCarbon:
    project: strawberry.ID = strawberry.field(directives=[term("gui:assessedProject")])
    project_name: str | None = strawberry.field(directives=[term("rdfs:label")])
    project_kind: str | None = strawberry.field(directives=[term("gui:projectKind")])
    reference_area: float = strawberry.field(
        directives=[term("gui:referenceArea")],
        description="The project's RE2020 reference area (SRef, m²): what icConstruction is "
        "per m² of.",
    )
    permit_year: int = strawberry.field(directives=[term("gui:permitYear")])
    ic_construction: float = strawberry.field(
        directives=[term("gui:icConstruction")],
        description="kg CO2e per m² of the project's reference area over the 50-year "
        "reference period.",
    )
    embodied_kg_co2e: float = strawberry.field(directives=[term("gui:embodiedEmissions")])
    by_lot: list[LotShare] = strawberry.field(directives=[term("gui:lotContribution")])
    by_module: list[ModuleShare] = strawberry.field(directives=[term("gui:moduleContribution")])
    module_d: float = strawberry.field(
        directives=[term("gui:moduleD")], description="Reported, not counted (kg CO2e/m²)."
    )
    threshold: float | None = strawberry.field(directives=[term("gui:icConstructionMax")])
    threshold_period: str | None = strawberry.field(directives=[term("gui:thresholdPeriod")])
    verdict: str = strawberry.field(
        directives=[term("gui:verdict")], description="within, above or no_threshold_known."
    )
    verdict_reason: str = strawberry.field(directives=[term("gui:verdictReason")])
    method: str = strawberry.field(
        directives=[term("gui:embodiedMethod")],
        description="The calculation method and where its weights come from.",
    )
    declarations: list[strawberry.ID] = strawberry.field(
        directives=[term("gui:usedDeclaration")],
        description="The product declarations (FDES/PEP) the figure was computed with.",
    )
    computed_by: str = strawberry.field(
        directives=[term("prov:wasAttributedTo")],
        description="The participant whose node computed the figure (the bill's holder).",
    )
    was_derived_from: list[DatasetRef] = strawberry.field(directives=[term("prov:wasDerivedFrom")])


class ProjectCarbonField:
    """The resolver of ``ConstructionProject.carbon`` on the builder's node."""

    def __init__(self, builder: SchemaBuilder) -> None:
        config = builder.node.config
        if config.carbon is None or config.carbon.declarations is None:
            raise QueryError("no [carbon] declarations: this node does not compute carbon")
        self.builder = builder
        self.settings = config.carbon
        self.url = f"{config.carbon.declarations}/graphql"

    @staticmethod
    def applies(builder: SchemaBuilder) -> bool:
        c = builder.node.config
        return (
            c.carbon is not None
            and c.carbon.declarations is not None
            and "ConstructionProject" in builder.mapped
            and "MaterialLine" in builder.mapped
        )

    def field(self) -> Any:
        async def resolve(root: Any, info: Any, permit_year: int | None = None) -> ProjectCarbon:
            ctx: RequestContext = info.context
            applied = computed(info, Action.DERIVE)
            ident = str(root.id)
            lines = await ctx.loader(("project-bill",), self._lines).load(ident)
            if not lines:
                raise QueryError(f"project {ident!r}: no bill of quantities on this node")
            if applied is not None:  # the floors of derive: a lone line is not a result
                held = settle(*applied, [GroupCount(rows=len(lines), subjects=1)])[0]
                if held is not None:
                    raise PolicyDenied(held)
            project = {f: getattr(root, f, None) for f in PROJECT_FIELDS}
            chosen = choose_project(str(getattr(root, "rnbId", "?")), lines, [project], ident)
            wanted = sorted({str(r.get("productId")) for r in lines})
            found = await ctx.loader(("declarations", self.url), self._declarations).load_many(
                wanted
            )
            products = {i: p for i, (p, _) in zip(wanted, found, strict=True) if p is not None}
            sources = {ref.iri: ref for _, refs in found for ref in refs}
            out = embodied(
                chosen,
                products,
                usage=getattr(root, "usage", None),
                settings=self.settings,
                permit_year=permit_year,
                missing_where=f"project {ident!r}",
                holder=f"the node at {self.settings.declarations}",
            )
            return ProjectCarbon(
                **out,
                method=f"{METHOD} Weights: {dynamic_weights().source}",
                declarations=[strawberry.ID(i) for i in wanted],
                computed_by=self.builder.node.config.participant,
                was_derived_from=[*self._own(), *sources.values()],
            )

        return resolve

    def _own(self) -> list[DatasetRef]:
        config = self.builder.node.config
        seen: dict[str, DatasetRef] = {}
        for entity, f in (("MaterialLine", "quantity"), ("ConstructionProject", "referenceArea")):
            ds = config.dataset_of(entity, f)
            if ds is not None:
                seen[ds.iri] = DatasetRef(iri=ds.iri, title=ds.title, publisher=ds.publisher)
        return list(seen.values())

    async def _lines(self, projects: list[str]) -> list[list[Mapping[str, object]]]:
        """Every project's bill, in one statement."""
        ctx_node = self.builder.node
        rows = await ctx_node.select(
            Select(
                "MaterialLine",
                LINE_FIELDS,
                where=(Condition("projectId", "in", tuple(dict.fromkeys(projects))),),
            )
        )
        by_project: dict[str, list[Mapping[str, object]]] = {}
        for r in rows:
            by_project.setdefault(str(r.get("projectId")), []).append(r)
        return [by_project.get(p, []) for p in projects]

    async def _declarations(
        self, ids: list[str]
    ) -> list[tuple[ProductDeclaration | None, tuple[DatasetRef, ...]]]:
        """The declarations by id, from their holder's node, in one request; each with
        the datasets the holder's answer says they came from."""
        reps = [{"__typename": "ProductDeclaration", "id": i} for i in dict.fromkeys(ids)]
        payload = {"query": DECLARATIONS_QUERY, "variables": {"r": reps}}
        try:
            shared = self.builder.node.http_client
            if shared is not None:
                resp = await shared.post(self.url, json=payload, timeout=TIMEOUT)
            else:
                async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                    resp = await client.post(self.url, json=payload)
            body = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SourceError(
                "product declarations", f"the node at {self.url} did not answer ({exc})"
            ) from exc
        errors = body.get("errors") if isinstance(body, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if errors or not isinstance(data, dict) or not isinstance(data.get("_entities"), list):
            what = "; ".join(str(e.get("message", e)) for e in errors or [] if isinstance(e, dict))
            raise QueryError(
                f"product declarations: the node at {self.url} refused or failed "
                f"(HTTP {resp.status_code}): {what or 'no _entities in its answer'}"
            )
        refs = tuple(_refs(body))
        by_id = {
            str(row["id"]): declaration_from_row(row)
            for row in data["_entities"]
            if isinstance(row, dict) and row.get("id") is not None
        }
        return [(by_id.get(i), refs) for i in ids]


def _refs(body: Mapping[str, Any]) -> Sequence[DatasetRef]:
    """The datasets an enforcing holder names in ``extensions.usage`` (its terms of use)."""
    terms = (body.get("extensions") or {}).get("usage") or []
    return [
        DatasetRef(
            iri=str(t["dataset"]), title=str(t.get("title", "")), publisher=str(t["publisher"])
        )
        for t in terms
        if isinstance(t, dict) and t.get("dataset") and t.get("publisher")
    ]


def add_project_carbon(builder: SchemaBuilder) -> None:
    """``ConstructionProject.carbon`` on the builder's node, declared as a derive use of
    the bill and the projects."""
    year = Annotated[
        int | None,
        strawberry.argument(
            description="Year of the building-permit application, for the RE2020 threshold "
            "period (default: the project's permitYear)."
        ),
    ]
    fn = signed_resolver(
        ProjectCarbonField(builder).field(), [("permit_year", year, None)], ProjectCarbon | None
    )
    builder.declared.project_carbon()
    builder.types["ConstructionProject"].carbon = strawberry.federation.field(
        resolver=fn,
        directives=[term("gui:hasProjectCarbon")],
        description="Embodied carbon (RE2020 Ic_construction) of the project, computed here "
        "from its bill and the product declarations of their holder: the result only.",
    )
