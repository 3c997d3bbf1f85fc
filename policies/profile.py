"""The Guichet city profile: where left operands take their value, and class/area hierarchies.

Profile IRI: ``https://w3id.org/guichet/odrl-profile``; its own terms live in the project
ontology's namespace ``https://w3id.org/guichet/ontology#`` (``gui:``).

- ``odrl:purpose``: DPV purposes (``https://w3id.org/dpv#``); ``isA`` follows
  ``rdfs:subClassOf`` in the bundled DPV purpose taxonomy.
- ``odrl:spatial``: areas ``https://w3id.org/guichet/area/commune-<INSEE>`` inside
  ``area/epci-241700434`` (CA de La Rochelle); ``isPartOf`` and ``isA`` follow
  ``dct:isPartOf`` between areas.
- ``odrl:recipient``: recipient categories (``gui:University``...), from the request;
  a party is placed in a category by ``rdf:type`` facts in the state of the world.
- ``odrl:count``: the caller's usage counter for this party, target and action, plus
  one (the request itself is the next use).
- ``odrl:elapsedTime``: current time minus the agreement's ``dct:issued`` date given
  in the state of the world.
- ``odrl:dateTime``: the state's current time (else the request's temporal parameter).
- ``gui:dailyCount``: the caller's usage counter for today (period ``P1D``), plus one.
- ``odrl:deliveryChannel``, ``gui:aggregationLevel`` (an xsd:duration: the coarsest
  time step the answer is aggregated to), ``gui:role``, ``gui:groupSize`` (the rows,
  or readings, in each group of an aggregate), ``gui:subjectCount`` (the distinct
  subjects, dwellings or rooms, in each group): request parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import Iri, Lit, Term
from .request import Request, State
from .values import duration_literal
from .vocab import (
    GP,
    ODRL,
    SUPPORTED_LEFT_OPERANDS,
    XSD,
    area_containers,
    odrl_terms,
    profile_superclasses,
    profile_types,
)


@dataclass(frozen=True)
class Context:
    """What a constraint is evaluated against."""

    request: Request
    state: State
    policy: str


@dataclass(frozen=True)
class Resolved:
    """Values of a left operand; else ``missing`` (information absent) or ``fatal``
    (the left operand is not understood)."""

    values: tuple[Term, ...] = ()
    missing: str = ""
    fatal: str = ""


def _label(iri: str) -> str:
    for prefix, short in ((ODRL, "odrl:"), (GP, "gui:")):
        if iri.startswith(prefix):
            return short + iri.removeprefix(prefix)
    return iri


def resolve(left: str, ctx: Context) -> Resolved:
    """The value(s) of ``left`` for this request and state."""
    if left not in SUPPORTED_LEFT_OPERANDS:
        if left in odrl_terms("LeftOperand"):
            return Resolved(fatal=f"left operand {_label(left)} is not supported by this evaluator")
        return Resolved(fatal=f"unknown left operand {_label(left) or '(none)'}")
    special = _SPECIAL.get(left)
    if special is not None:
        return special(ctx)
    values = ctx.request.parameters.get(left, ())
    if not values:
        return Resolved(missing=f"the request gives no {_label(left)}")
    return Resolved(values=values)


def _now(ctx: Context) -> Lit | None:
    if ctx.state.now is not None:
        return Lit(ctx.state.now.isoformat(), XSD + "dateTime")
    given = ctx.request.parameters.get(ODRL + "dateTime", ())
    return given[0] if given and isinstance(given[0], Lit) else None


def _date_time(ctx: Context) -> Resolved:
    now = _now(ctx)
    return Resolved(values=(now,)) if now else Resolved(missing="the current time is not known")


def _elapsed(ctx: Context) -> Resolved:
    start = ctx.state.agreement_dates.get(ctx.policy)
    if start is None:
        return Resolved(missing=f"the state of the world gives no date for agreement {ctx.policy}")
    if ctx.state.now is None:
        return Resolved(missing="the current time is not known")
    if (start.tzinfo is None) != (ctx.state.now.tzinfo is None):
        return Resolved(missing="the agreement date and the current time differ in having a zone")
    return Resolved(values=(duration_literal(ctx.state.now - start),))


def _counter(period: str | None) -> Callable[[Context], Resolved]:
    def count(ctx: Context) -> Resolved:
        return _count(ctx, period)

    return count


def _count(ctx: Context, period: str | None) -> Resolved:
    req = ctx.request
    counts = [
        c.count
        for c in ctx.state.counters
        if c.period == period
        and c.party in (None, req.party)
        and c.target in (None, req.target)
        and c.action in (None, req.action)
    ]
    if not counts:
        which = f"{period} usage counter" if period else "usage counter"
        return Resolved(missing=f"the state of the world gives no {which} for this request")
    return Resolved(values=(Lit(str(max(counts) + 1), XSD + "integer"),))


_SPECIAL: dict[str, Callable[[Context], Resolved]] = {
    ODRL + "dateTime": _date_time,
    ODRL + "elapsedTime": _elapsed,
    ODRL + "count": _counter(None),
    GP + "dailyCount": _counter("P1D"),
}


# -- hierarchies ----------------------------------------------------------------------------
def _reach(start: str, step: Callable[[str], Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(step(start))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step(node))
    return seen


def superclasses(cls: str, state: State) -> set[str]:
    """Every superclass of ``cls``: bundled taxonomies plus the state's ``rdfs:subClassOf``."""
    bundled = profile_superclasses()

    def step(node: str) -> Iterable[str]:
        yield from bundled.get(node, ())
        yield from (parent for child, parent in state.subclass_of if child == node)

    return _reach(cls, step)


def containers(item: str, state: State) -> set[str]:
    """Every area or collection containing ``item`` (areas, then ``odrl:partOf`` facts)."""
    areas = area_containers()

    def step(node: str) -> Iterable[str]:
        yield from areas.get(node, ())
        yield from (whole for part, whole in state.part_of if part == node)

    return _reach(item, step)


def is_part_of(value: Term, whole: Term, state: State) -> bool:
    """``value`` is ``whole`` or lies inside it."""
    if not isinstance(value, Iri) or not isinstance(whole, Iri):
        return value == whole
    return value == whole or whole.value in containers(value.value, state)


def _direct_types(item: str, state: State) -> set[str]:
    found = set(profile_types().get(item, ()))
    return found | {kind for thing, kind in state.types if thing == item}


def is_exactly(value: Term, cls: Term, state: State) -> bool:
    """``value`` is ``cls`` itself or an instance typed with exactly ``cls``."""
    if value == cls:
        return True
    if not isinstance(value, Iri) or not isinstance(cls, Iri):
        return False
    return cls.value in _direct_types(value.value, state)


def is_a(value: Term, cls: Term, state: State) -> bool:
    """``value`` is ``cls``, a subclass of it, an instance of it or of a subclass, or an
    area inside it."""
    if not isinstance(value, Iri) or not isinstance(cls, Iri):
        return False
    target = cls.value
    if value.value == target or is_part_of(value, cls, state):
        return True
    classes = {value.value} | _direct_types(value.value, state)
    return any(c == target or target in superclasses(c, state) for c in classes)
