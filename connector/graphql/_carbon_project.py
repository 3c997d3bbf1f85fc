"""Which construction project a building's bill describes, and the area it is divided by.

``Building.carbon`` receives, through ``@requires``, every material line of the building and
every construction project on it. ``Ic_construction`` is per m² of the reference area
(SRef) of what the bill builds, so the lines of one project are taken together and divided
by that project's ``referenceArea``:

* the caller names the project (``carbon(project: "EXT-SC")``), or the bill covers one;
* a line without a project, a project the lines name but that was not given, a project
  without a positive reference area: each is an error naming it; the figure is never
  divided by another area (the building's floor area, for instance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.errors import QueryError


@dataclass(frozen=True)
class ProjectBill:
    """One project and the lines of its bill (``MaterialLine`` representations)."""

    id: str
    name: str | None
    kind: str | None
    reference_area: float
    permit_year: int | None
    lines: tuple[Mapping[str, object], ...]


def choose_project(
    rnb_id: str,
    lines: Sequence[Mapping[str, object]],
    projects: Sequence[object],
    wanted: str | None,
) -> ProjectBill:
    """The project whose bill ``carbon`` computes (see the module docstring)."""
    where = f"building {rnb_id}"
    loose = sorted(str(r.get("id")) for r in lines if r.get("projectId") is None)
    if loose:
        raise QueryError(
            f"{where}: material lines {', '.join(loose)} belong to no construction project, "
            "so there is no reference area to divide them by"
        )
    ids = sorted({str(r.get("projectId")) for r in lines})
    if wanted is not None and wanted not in ids:
        raise QueryError(
            f"{where}: no bill for project {wanted!r}; the bill covers {', '.join(ids)}"
        )
    if wanted is None and len(ids) > 1:
        raise QueryError(
            f"{where}: the bill covers projects {', '.join(ids)}; "
            "choose one with carbon(project: ...)"
        )
    chosen = wanted if wanted is not None else ids[0]
    found = [p for p in projects if isinstance(p, Mapping) and str(p.get("id")) == chosen]
    if not found:
        raise QueryError(
            f"{where}: project {chosen!r} was not given with its bill (constructionProjects)"
        )
    project = found[0]
    area = project.get("referenceArea")
    if not isinstance(area, int | float) or not math.isfinite(area) or area <= 0:
        raise QueryError(
            f"project {chosen!r}: reference area (SRef, m²) expected a positive number, "
            f"got {area!r}; Ic_construction per m² cannot be computed"
        )
    year = project.get("permitYear")
    return ProjectBill(
        id=chosen,
        name=_text(project.get("name")),
        kind=_text(project.get("kind")),
        reference_area=float(area),
        permit_year=year if isinstance(year, int) else None,
        lines=tuple(r for r in lines if str(r.get("projectId")) == chosen),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
