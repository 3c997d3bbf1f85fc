"""A seeded generator of ``_entities`` operations over the tiny node's schema, for the
differential test of the compiled path: aliases, inline and named fragments (on the
type, on ``_Entity``, on another type), references, ``@include``/``@skip`` with literals and
variables, ``__typename``, operation names, duplicate and unknown keys; and, now and
then, what the compiled path must leave to the general executor (a reference's own
reference, ``edges``, a malformed or mixed representation, an inline representation
list, a second root field).

The types, fields and keys are read off the tiny node's config and data
(:mod:`tests.connector.tiny`), not off the code under test."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tests.connector.tiny import BUILDINGS, ENERGY, READINGS, ROOMS, SENSORS

# the tiny node's mapped scalar fields (tiny.CONFIG), and its reference fields
FIELDS: dict[str, tuple[str, ...]] = {
    "Building": ("rnbId", "name", "usage", "yearBuilt", "floorArea", "inseeCode"),
    "EnergyUse": ("id", "rnbId", "year", "carrier", "use", "kwh"),
    "Space": ("id", "rnbId", "storey", "code", "name", "area"),
    "Sensor": ("id", "spaceId", "observedProperty"),
    "Observation": ("id", "sensorId", "resultTime", "observedProperty", "value", "unit"),
}
REFERENCES: dict[str, tuple[str, ...]] = {
    "EnergyUse": ("building { rnbId name }", "b: building { __typename ... on Building { name } }"),
    "Space": ("building { rnbId yearBuilt floorArea }",),
    "Sensor": ("space { id name }", "space { __typename area @skip(if: true) }"),
    "Observation": ("sensor { id observedProperty }",),
}
KEY = {"Building": "rnbId"}
KEYS: dict[str, list[Any]] = {
    "Building": [b[0] for b in BUILDINGS] + ["ZZZZZZZZZZZZ"],
    "EnergyUse": [e[0] for e in ENERGY] + ["E404"],
    "Space": ["/".join(r[:3]) for r in ROOMS] + ["X/Y/Z"],
    "Sensor": [s[0] for s in SENSORS] + ["S-NONE"],
    "Observation": [r[0] for r in READINGS] + [str(r[0]) for r in READINGS[:2]] + [999],
}


@dataclass
class Operation:
    query: str
    variables: dict[str, Any]
    operation_name: str | None = None
    token: str | None = None
    compiles: bool = True
    """Whether the compiled path is meant to answer it (the test checks it is used)."""
    notes: list[str] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.fragments: list[str] = []
        self.flags: dict[str, bool] = {}
        self.aliases = 0
        self.compiles = True
        self.t = ""

    def _directive(self) -> str:
        r = self.r
        roll = r.random()
        if roll < 0.7:
            return ""
        which = r.choice(("include", "skip"))
        if roll < 0.8:
            return f" @{which}(if: {r.choice(('true', 'false'))})"
        name = f"f{len(self.flags)}"
        self.flags[name] = r.random() < 0.5
        return f" @{which}(if: ${name})"

    def _field(self, t: str) -> str:
        r = self.r
        if r.random() < 0.12:
            return "__typename" + self._directive()
        name = r.choice(FIELDS[t])
        alias = ""
        if r.random() < 0.3 and self.aliases < 20:
            self.aliases += 1
            alias = f"a{self.aliases}: "
        return f"{alias}{name}{self._directive()}"

    def _fields(self, t: str, depth: int = 0) -> str:
        r = self.r
        parts = [self._field(t) for _ in range(r.randint(1, 5))]
        if depth < 2 and r.random() < 0.3:
            parts.append(f"... on {t}{self._directive()} {{ {self._fields(t, depth + 1)} }}")
        if depth < 2 and r.random() < 0.2:
            parts.append(self._named(t, depth + 1))
        if t in REFERENCES and r.random() < 0.15:
            parts.append(r.choice(REFERENCES[t]))
        return " ".join(parts)

    def _named(self, t: str, depth: int) -> str:
        r = self.r
        name = f"F{len(self.fragments)}"
        on = r.choice((t, t, "_Entity"))
        body = self._fields(t, depth) if on == t else "__typename"
        self.fragments.append(f"fragment {name} on {on} {{ {body} }}")
        return f"...{name}{self._directive()}"

    def _representations(self, t: str) -> list[Any]:
        r = self.r
        key = KEY.get(t, "id")
        keys = [r.choice(KEYS[t]) for _ in range(r.randint(0, 6))]
        reps: list[Any] = [{"__typename": t, key: k} for k in keys]
        roll = r.random()
        if roll < 0.04 and reps:
            reps.append({"__typename": t})  # lacks its key: the general path names it
            self.compiles = False
        elif roll < 0.08:
            other = r.choice([o for o in FIELDS if o != t])
            reps.append({"__typename": other, KEY.get(other, "id"): KEYS[other][0]})
            self.compiles = False
        if not reps:
            self.compiles = False  # no type to compile for: the general path answers []
        return reps

    def operation(self) -> Operation:
        r = self.r
        t = self.t = r.choice(tuple(FIELDS))
        items = []
        for _ in range(r.randint(1, 3)):
            roll = r.random()
            if roll < 0.5:
                items.append(f"... on {t}{self._directive()} {{ {self._fields(t)} }}")
            elif roll < 0.7:
                items.append(self._named(t, 1))
            elif roll < 0.85:
                other = r.choice([o for o in FIELDS if o != t])
                items.append(f"... on {other} {{ {self._fields(other)} }}")
            else:
                items.append("__typename" + self._directive())
        reps = self._representations(t)
        root = r.choice(("", "", "things: "))
        args = "(representations: $r)"
        variables: dict[str, Any] = {"r": reps}
        if r.random() < 0.04:
            args = "(representations: [])"  # inline: left to the general executor
            variables = {}
            self.compiles = False
        extra = ""
        if r.random() < 0.04:
            extra = " __typename"
            self.compiles = False
        defs = [f"${n}: Boolean!" for n in self.flags]
        if "r" in variables:
            defs.insert(0, "$r: [_Any!]!")
        variables.update(self.flags)
        name = r.choice((None, None, "Lookup"))
        head = "query" + (f" {name}" if name else "") + (f"({', '.join(defs)})" if defs else "")
        text = f"{head} {{ {root}_entities{args} {{ {' '.join(items)} }}{extra} }}"
        text = " ".join([text, *self.fragments])
        token = r.choice((None, "city", "ana", "univ", "city"))
        return Operation(text, variables, name, token, self.compiles)


# list pages: the root field, filters and orderings on the tiny node's data
PAGES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Building": (
        "buildings",
        ('{usage: {eq: "school"}}', '{name: {in: ["Gymnase Nord", "Résidence Aytré"]}}'),
        ("[{field: NAME, direction: DESC}]", "[{field: YEAR_BUILT}]"),
    ),
    "EnergyUse": ("energyUses", ('{carrier: {eq: "gaz naturel"}}',), ()),
    "Space": ("spaces", (), ()),
    "Sensor": ("sensors", (), ()),
    "Observation": ("observations", ('{sensorId: {eq: "S-CM2-CO2"}}',), ()),
}


def _page(g: Generator) -> Operation:
    r = g.r
    t = g.t = r.choice(tuple(PAGES))
    root, filters, orders = PAGES[t]
    args = []
    variables: dict[str, Any] = {}
    defs = []
    if r.random() < 0.7:
        first = r.choice((1, 2, 3, 4, 9))  # 9: over the tiny node's maximum, refused
        if r.random() < 0.5:
            args.append(f"first: {first}")
        else:
            args.append("first: $first")
            defs.append("$first: Int")
            variables["first"] = first
    if filters and r.random() < 0.5:
        args.append(f"filter: {r.choice(filters)}")
    if orders and r.random() < 0.5:
        args.append(f"orderBy: {r.choice(orders)}")
    if r.random() < 0.05:
        args.append('after: "not-a-cursor"')
    parts: list[str] = []
    for _ in range(r.randint(1, 4)):
        roll = r.random()
        alias = f"c{len(parts)}: " if r.random() < 0.2 else ""
        if roll < 0.4:
            parts.append(f"nodes{g._directive()} {{ {g._fields(t)} }}")
        elif roll < 0.6:
            info = " ".join(
                r.choice(("endCursor", "hasNextPage", "__typename", "e: endCursor"))
                + g._directive()
                for _ in range(r.randint(1, 3))
            )
            parts.append(f"pageInfo {{ {info} }}")
        elif roll < 0.8:
            parts.append(f"{alias}totalCount{g._directive()}")
        else:
            parts.append(f"{alias}__typename")
    if r.random() < 0.04:  # a reference's own reference: left to the general executor
        parts.append("nodes { sensor { space { id } } }" if t == "Observation" else "edges")
        g.compiles = False
    defs += [f"${n}: Boolean!" for n in g.flags]
    variables.update(g.flags)
    head = "query" + (f"({', '.join(defs)})" if defs else "")
    alias = r.choice(("", "", "page: "))
    arglist = f"({', '.join(args)})" if args else ""
    text = " ".join([f"{head} {{ {alias}{root}{arglist} {{ {' '.join(parts)} }} }}", *g.fragments])
    token = r.choice((None, "city", "ana", "univ", "city"))
    return Operation(text, variables, None, token, g.compiles)


def corpus(n: int, seed: int = 14) -> list[Operation]:
    """``n`` operations, the same for the same seed: two thirds ``_entities``, one third
    list pages."""
    out = []
    for i in range(n):
        g = Generator(seed * 100_003 + i)
        out.append(_page(g) if i % 3 == 2 else g.operation())
    return out
