"""``Building.carbon``: a building's carbon, from several partners' data.

The node that holds the building register, the product declarations and the energy use
(the agglomeration) computes it; the bill of quantities lives on the construction
company's node with the construction projects the bills describe, so ``carbon``
``@requires`` the bill (``billOfQuantities``) and the projects (``constructionProjects``):
the gateway fetches them from their owner — whose own policy decides whether they may flow
for the caller and purpose — and passes them in the ``_entities`` representation.

* embodied: RE2020 ``Ic_construction`` of one project's bill (kg CO2e/m² over 50 years,
  dynamic LCA weighting), per m² of **that project's** reference area (SRef: an extension's
  bill is divided by the extension's area, never by the whole building's), per lot and per
  module, with the verdict against ``Ic_construction_maxmoyen`` for the project's permit
  year; the answer names the project and the area used. A bill that spans several projects
  needs ``carbon(project: ...)``; a line without a project, or a project without a reference
  area, is an error: the figure is never divided by another area;
* operational: the latest year's energy use × DPE 2021 factors, per year and per m²;
* provenance: the datasets that fed it (``prov:wasDerivedFrom``) with their publishers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from connector.computed import COMPUTED
from connector.config.sections import CarbonConfig
from connector.domain import (
    EnergyUse,
    OperationalCarbon,
    ProductDeclaration,
    declaration_from_row,
    ic_construction,
    material_line_from_row,
    operational_carbon,
)
from connector.errors import QueryError
from connector.graphql._apply import computed, settle
from connector.graphql._carbon_project import ProjectBill, choose_project
from connector.graphql._common import term
from connector.graphql._context import RequestContext
from connector.graphql._indoor import DatasetRef
from connector.precision import carbon
from connector.sources.base import Condition, Select
from connector.usage import Action, GroupCount, PolicyDenied

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder

REQUIRES = (
    "billOfQuantities { id lot quantity productId projectId } "
    "constructionProjects { id name kind referenceArea permitYear }"
)
LOCAL = COMPUTED[("Building", "carbon")].inputs
"""What the node's own data gives the computation (:data:`connector.computed.COMPUTED`)."""


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    directives=[term("gui:MaterialLine")],
    description="A line of a bill of quantities, held by another node (for @requires).",
)
class MaterialLine:
    id: strawberry.ID = strawberry.federation.field(directives=[term("gui:materialLineId")])
    lot: int | None = strawberry.federation.field(
        external=True, default=None, directives=[term("gui:re2020Lot")]
    )
    quantity: float | None = strawberry.federation.field(
        external=True, default=None, directives=[term("gui:quantity")]
    )
    product_id: strawberry.ID | None = strawberry.federation.field(
        external=True, default=None, name="productId", directives=[term("gui:product")]
    )
    project_id: strawberry.ID | None = strawberry.federation.field(
        external=True, default=None, name="projectId", directives=[term("gui:inProject")]
    )


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    directives=[term("gui:ConstructionProject")],
    description="A construction project, held by another node (for @requires).",
)
class ConstructionProject:
    id: strawberry.ID = strawberry.federation.field(directives=[term("gui:constructionProjectId")])
    name: str | None = strawberry.federation.field(
        external=True, default=None, directives=[term("rdfs:label")]
    )
    kind: str | None = strawberry.federation.field(
        external=True, default=None, directives=[term("gui:projectKind")]
    )
    reference_area: float | None = strawberry.federation.field(
        external=True, default=None, name="referenceArea", directives=[term("gui:referenceArea")]
    )
    permit_year: int | None = strawberry.federation.field(
        external=True, default=None, name="permitYear", directives=[term("gui:permitYear")]
    )


@strawberry.federation.type(shareable=True, directives=[term("gui:LotContribution")])
class LotShare:
    lot: int = strawberry.field(directives=[term("gui:re2020Lot")])
    kg_co2e_per_m2: float = strawberry.field(directives=[term("gui:icConstruction")])


@strawberry.federation.type(shareable=True, directives=[term("gui:ModuleContribution")])
class ModuleShare:
    module: str = strawberry.field(directives=[term("gui:lifeCycleModule")])
    kg_co2e_per_m2: float = strawberry.field(directives=[term("gui:icConstruction")])


def _operational_year(root: Any, info: strawberry.Info) -> int | None:
    energy = _operational(root, info)
    return energy.year if energy is not None else None


def _operational_per_year(root: Any, info: strawberry.Info) -> float | None:
    energy = _operational(root, info)
    return carbon(energy.kg_co2e_per_year, per_m2=False) if energy is not None else None


def _operational_method(root: Any, info: strawberry.Info) -> str | None:
    energy = _operational(root, info)
    return energy.method if energy is not None else None


def _operational_per_m2(root: Any, info: strawberry.Info) -> float | None:
    energy = _operational(root, info)
    return carbon(energy.kg_co2e_per_m2_year, per_m2=True) if energy is not None else None


@strawberry.federation.type(
    shareable=True,
    directives=[term("gui:CarbonAssessment")],
    description="A building's carbon: embodied (RE2020) and "
    "operational (DPE 2021), with provenance.",
)
class CarbonAssessment:
    rnb_id: str = strawberry.field(directives=[term("gui:assessedBuilding")])
    floor_area: float = strawberry.field(
        directives=[term("gui:floorArea")],
        description="The building's floor area (m²): what the operational figures are per m² of.",
    )
    project: strawberry.ID | None = strawberry.field(
        directives=[term("gui:assessedProject")],
        description="The construction project whose bill gives icConstruction.",
    )
    project_name: str | None = strawberry.field(directives=[term("rdfs:label")])
    project_kind: str | None = strawberry.field(directives=[term("gui:projectKind")])
    reference_area: float | None = strawberry.field(
        directives=[term("gui:referenceArea")],
        description="The project's RE2020 reference area (SRef, m²): what icConstruction is "
        "per m² of.",
    )
    permit_year: int | None = strawberry.field(
        directives=[term("gui:permitYear")],
        description="Year of the permit application whose threshold period applies.",
    )
    ic_construction: float | None = strawberry.field(
        directives=[term("gui:icConstruction")],
        description="kg CO2e per m² of the project's reference area over the 50-year "
        "reference period (null without a bill).",
    )
    embodied_kg_co2e: float | None = strawberry.field(directives=[term("gui:embodiedEmissions")])
    by_lot: list[LotShare] = strawberry.field(directives=[term("gui:lotContribution")])
    by_module: list[ModuleShare] = strawberry.field(directives=[term("gui:moduleContribution")])
    module_d: float | None = strawberry.field(
        directives=[term("gui:moduleD")], description="Reported, not counted (kg CO2e/m²)."
    )
    threshold: float | None = strawberry.field(directives=[term("gui:icConstructionMax")])
    threshold_period: str | None = strawberry.field(
        directives=[term("gui:thresholdPeriod")],
        description="The permit period (e.g. 2025-2027) whose threshold the verdict applied.",
    )
    verdict: str = strawberry.field(
        directives=[term("gui:verdict")],
        description="within, above, no_threshold_known, or no_bill.",
    )
    verdict_reason: str = strawberry.field(directives=[term("gui:verdictReason")])
    was_derived_from: list[DatasetRef] = strawberry.field(directives=[term("prov:wasDerivedFrom")])

    operational_year: int | None = strawberry.field(
        resolver=_operational_year, directives=[term("gui:year")]
    )
    operational_kg_co2e_per_year: float | None = strawberry.field(
        resolver=_operational_per_year, directives=[term("gui:operationalEmissions")]
    )
    operational_kg_co2e_per_m2: float | None = strawberry.field(
        resolver=_operational_per_m2, directives=[term("gui:operationalIntensity")]
    )
    operational_method: str | None = strawberry.field(
        resolver=_operational_method, directives=[term("gui:operationalMethod")]
    )


def _operational(assessment: Any, info: Any) -> OperationalCarbon | None:
    """The operational figures, if the caller may have them: they are derived from one
    building's energy use (one subject), so for personal data a caller who may not read
    that energy use gets them withheld."""
    energy: OperationalCarbon | None = getattr(assessment, "_energy", None)
    if energy is None:
        return None
    applied = computed(info, Action.DERIVE)
    if applied is not None:
        count = GroupCount(rows=getattr(assessment, "_energy_rows", 0), subjects=1)
        held = settle(*applied, [count])[0]
        if held is not None:
            raise PolicyDenied(held)
    return energy


class Carbon:
    def __init__(self, builder: SchemaBuilder) -> None:
        self.builder = builder
        config = builder.node.config
        if config.carbon is None:
            raise QueryError("no [carbon] section")
        self.settings = config.carbon

    @staticmethod
    def applies(builder: SchemaBuilder) -> bool:
        c = builder.node.config
        return (
            c.carbon is not None
            and "Building" in builder.mapped
            and "ProductDeclaration" in c.entities
            and "EnergyUse" in c.entities
            and "MaterialLine" not in c.entities
        )

    def _provenance(self, *, with_bill: bool) -> list[DatasetRef]:
        config = self.builder.node.config
        seen = {}
        for entity, f in LOCAL:
            ds = config.dataset_of(entity, f)
            if ds is not None:
                seen[ds.iri] = DatasetRef(iri=ds.iri, title=ds.title, publisher=ds.publisher)
        if with_bill and self.settings.material_dataset:
            seen[self.settings.material_dataset] = DatasetRef(
                iri=self.settings.material_dataset,
                title="bill of quantities",
                publisher=self.settings.material_publisher or "",
            )
        return list(seen.values())

    async def _products(self, ctx: RequestContext, ids: list[str]) -> dict[str, Any]:
        found = await ctx.entity_loader("ProductDeclaration", "id").load_many(ids)
        return {i: declaration_from_row(r) for i, r in zip(ids, found, strict=True) if r}

    async def _energy(self, ctx: RequestContext, rnb: str) -> list[EnergyUse]:
        rows = await ctx.node.select(
            Select(
                "EnergyUse",
                ("id", "rnbId", "year", "carrier", "use", "kwh"),
                where=(Condition("rnbId", "eq", rnb),),
            )
        )
        if not rows:
            return []
        year = max(int(str(r["year"])) for r in rows if r.get("year") is not None)
        return [
            EnergyUse(
                carrier=str(r["carrier"]),
                use=str(r["use"]),
                kwh=float(str(r["kwh"])),
                year=year,
                id=str(r["id"]),
            )
            for r in rows
            if r.get("year") == year
        ]

    def field(self) -> Any:
        async def resolve(
            root: Any, info: Any, permit_year: int | None = None, project: str | None = None
        ) -> CarbonAssessment:
            ctx: RequestContext = info.context
            computed(info, Action.DERIVE)
            area = getattr(root, "floorArea", None)
            if not area:
                raise QueryError(
                    f"building {root.rnbId}: no floor area, carbon per m² cannot be computed"
                )
            given = getattr(root, "_requires", {})
            lines_in = given.get("billOfQuantities")
            uses = await self._energy(ctx, root.rnbId)
            energy = operational_carbon(uses, floor_area=area) if uses else None
            out: dict[str, Any] = dict(
                rnb_id=root.rnbId,
                floor_area=area,
                project=None,
                project_name=None,
                project_kind=None,
                reference_area=None,
                permit_year=None,
                ic_construction=None,
                embodied_kg_co2e=None,
                by_lot=[],
                by_module=[],
                module_d=None,
                threshold=None,
                threshold_period=None,
                verdict="no_bill",
                verdict_reason="no bill of quantities was given (carbon "
                "@requires the material lines: query it through the gateway)",
                was_derived_from=self._provenance(with_bill=bool(lines_in)),
            )
            if lines_in:
                rows = [ln for ln in lines_in if isinstance(ln, dict)]
                chosen = choose_project(
                    root.rnbId, rows, given.get("constructionProjects") or [], project
                )
                out.update(await self._embodied(ctx, root, chosen, permit_year))
            assessment = CarbonAssessment(**out)
            assessment._energy = energy  # type: ignore[attr-defined]
            assessment._energy_rows = len(uses)  # type: ignore[attr-defined]
            return assessment

        return resolve

    async def _embodied(
        self, ctx: RequestContext, root: Any, chosen: ProjectBill, permit_year: int | None
    ) -> dict[str, Any]:
        wanted = sorted({str(r.get("productId")) for r in chosen.lines})
        products = await self._products(ctx, wanted)
        return embodied(
            chosen,
            products,
            usage=getattr(root, "usage", None),
            settings=self.settings,
            permit_year=permit_year,
            missing_where=f"building {root.rnbId}",
            holder="this node",
        )


def embodied(
    chosen: ProjectBill,
    products: Mapping[str, ProductDeclaration],
    *,
    usage: object,
    settings: CarbonConfig,
    permit_year: int | None,
    missing_where: str,
    holder: str,
) -> dict[str, Any]:
    """The embodied part of a carbon answer: ``Ic_construction`` of one project's bill
    over its reference area, per lot and module, with the verdict — the same whichever
    node computes it (the agglomeration's with the bill, or the builder's with the
    declarations). ``usage`` is in ``Building.usage``'s values; ``settings.building_types``
    maps it to a threshold type. A declaration not found is an error naming
    ``missing_where`` and ``holder`` (where the declarations were looked up)."""
    btype = settings.building_types.get(str(usage), str(usage))
    year = permit_year or chosen.permit_year or settings.permit_year
    if year is None:
        raise QueryError(
            f"project {chosen.id!r}: no permit year, so no RE2020 threshold period "
            "(give carbon(permitYear: ...))"
        )
    wanted = sorted({str(r.get("productId")) for r in chosen.lines})
    missing = sorted(set(wanted) - set(products))
    if missing:
        raise QueryError(
            f"{missing_where}: no product declaration {', '.join(missing)} on {holder}"
        )
    lines = [material_line_from_row(r, products[str(r["productId"])]) for r in chosen.lines]
    ic = ic_construction(lines, floor_area=chosen.reference_area, building_type=btype, year=year)
    return dict(
        project=chosen.id,
        project_name=chosen.name,
        project_kind=chosen.kind,
        reference_area=chosen.reference_area,
        permit_year=year,
        ic_construction=carbon(ic.kg_co2e_per_m2, per_m2=True),
        embodied_kg_co2e=carbon(ic.kg_co2e, per_m2=False),
        by_lot=[
            LotShare(lot=k, kg_co2e_per_m2=carbon(v, per_m2=True) or 0.0)
            for k, v in sorted(ic.by_lot.items())
        ],
        by_module=[
            ModuleShare(module=k, kg_co2e_per_m2=carbon(v, per_m2=True) or 0.0)
            for k, v in ic.by_module.items()
        ],
        module_d=carbon(ic.module_d_kg_co2e_per_m2, per_m2=True),
        threshold=ic.verdict.threshold,
        threshold_period=ic.verdict.period,
        verdict=ic.verdict.status,
        verdict_reason=ic.verdict.reason,
    )
