"""Reading each dataset's policy once, into one frozen value every part uses.

The catalog publishes its expanded JSON-LD, usage control evaluates its parsed policies,
``/health`` and ``check-config`` report its problems, the DPD's history records the
document as read. A problem (the file, the term, what was wrong) closes the dataset:
it is never served as if it had no policy.

>>> loaded = load_dataset_policy(config.datasets["mesures-salles"])  # doctest: +SKIP
>>> loaded.served, loaded.uid  # doctest: +SKIP
(True, 'https://guichet.agglo-larochelle.fr/policies/atmo/mesures-salles')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.jsonld import JsonLdError

import ontology
from connector.config import DatasetConfig, NodeConfig
from policies import (
    ODRL,
    Policy,
    PolicyError,
    check_policies,
    jsonld_to_graph,
    policies_from_graph,
)


@dataclass(frozen=True, kw_only=True)
class DatasetPolicy:
    """A dataset's policy document as the node loaded it at start-up."""

    dataset: str
    path: Path | None
    document: Any = None
    """The JSON as read (what the policy history records)."""
    expanded: list[dict[str, Any]] | None = None
    """Expanded JSON-LD (what the catalog publishes)."""
    policies: tuple[Policy, ...] = ()
    """The parsed policies, Offers included; empty when the dataset is closed."""
    error: str | None = None
    """Why the dataset is closed: missing, unreadable or not understood."""
    offers: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """The document's ``odrl:Offer`` nodes (expanded), by uid: what a caller may accept."""

    @property
    def served(self) -> bool:
        return self.error is None

    @property
    def uid(self) -> str | None:
        for node in self.expanded or ():
            if isinstance(node.get("@id"), str):
                return str(node["@id"])
        return None

    @property
    def granting(self) -> tuple[Policy, ...]:
        """The policies that grant by themselves (an Offer grants nothing until accepted)."""
        return tuple(p for p in self.policies if p.type != ODRL + "Offer")


def _closed(ds: DatasetConfig, why: str, **known: Any) -> DatasetPolicy:
    if "is not served" not in why:
        why += f" (dataset {ds.id!r} is not served)"
    return DatasetPolicy(dataset=ds.id, path=ds.policy, error=why, **known)


def load_dataset_policy(ds: DatasetConfig) -> DatasetPolicy:
    """Read, expand, parse and check ``ds``'s policy document, once."""
    if ds.policy is None:
        return _closed(ds, f"dataset {ds.id!r} has no policy: nothing is permitted")
    path = ds.policy
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return _closed(ds, f"{path}: cannot be read: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return _closed(ds, f"{path}: is not UTF-8 text")
    except json.JSONDecodeError as exc:
        return _closed(
            ds, f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        )
    try:
        expanded = jsonld.expand(document, {"documentLoader": ontology.document_loader})
    except JsonLdError as exc:
        return _closed(ds, f"{path}: JSON-LD cannot be expanded: {exc}", document=document)
    known: dict[str, Any] = {"document": document, "expanded": expanded}
    try:
        graph = jsonld_to_graph(document, name=str(path))
        parsed = tuple(policies_from_graph(graph, source=str(path)))
    except PolicyError as exc:
        return _closed(ds, str(exc), **known)
    issues = check_policies(parsed)
    if issues:
        return _closed(ds, str(issues[0]), **known)
    if not parsed:
        return _closed(ds, f"{path}: the document holds no policy", **known)
    wrong = sorted(
        {r.target.iri for p in parsed for r in p.rules if r.target and r.target.iri != ds.iri}
    )
    if wrong:
        return _closed(
            ds,
            f"{path}: the policy targets {', '.join(wrong)}, not the dataset's IRI {ds.iri} "
            f"(set datasets.{ds.id}.iri or the policy's target)",
            **known,
        )
    return DatasetPolicy(
        dataset=ds.id,
        path=path,
        document=document,
        expanded=expanded,
        policies=parsed,
        offers=_offers(expanded),
    )


def _offers(expanded: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for node in expanded:
        for n in node.get("@graph", [node]):
            if ODRL + "Offer" in n.get("@type", []) and isinstance(n.get("@id"), str):
                out[n["@id"]] = n
    return out


def load_policies(config: NodeConfig) -> dict[str, DatasetPolicy]:
    """Every dataset's policy, by dataset id."""
    return {ds.id: load_dataset_policy(ds) for ds in config.datasets.values()}
