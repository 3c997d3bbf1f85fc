"""The decision cache: a request's decisions, remembered until anything they depend on changes.

:meth:`UsageControl.decide <connector.usage.control.UsageControl.decide>` loads the state of
the world (counters, agreements) as before, then looks up the decisions here before running
the ODRL evaluator. A cached decision is served only when all of this is the same:

* **who asks**, as far as policies can see: the party, the purpose and the roles of the
  token, and the memberships they give (``odrl:partOf`` facts);
* **what is used**: the set of uses of the request — dataset, action, and for aggregates
  their buckets, window, cuts and level (two operations using the same fields share their
  decisions);
* **the policies**: the node's policy generation (:attr:`DecisionCache.generation`, bumped
  by :meth:`DecisionCache.clear`, for code that swaps a node's policies: a node reads them
  at start, so a restart starts an empty cache), and the caller's
  agreements — their IRIs and issue dates, read from the store on every request as
  before, so an agreement added or ended (by this process or another) is a new key;
* **the counters**: ``gui:dailyCount`` and ``odrl:count`` quotas are part of the key with
  their values, which are counted from the audit log on every request exactly as without
  the cache. A quota is never served from the cache without its counter re-read, so
  counters stay consistent with the log (another process's appends included);
* **the time**: every cached entry carries ``until``, the next instant at which any
  time-dependent constraint of the policies involved could change truth — an
  ``odrl:dateTime`` bound (a date counts by its start and end), or an agreement's issue
  date plus an ``odrl:elapsedTime`` duration — computed by :func:`next_change`. An entry is
  served only while ``since <= now < until`` (``since``: when it was decided; a clock set
  back decides afresh); at ``until`` exactly, it is evaluated afresh. A constraint whose
  boundary cannot be placed (a zoneless date or time, a duration in months or years or
  with fractions of a second, a right operand given by reference, a value that does not
  parse) makes the decision uncacheable: it is evaluated on every request, as before.

What is cached are the per-use :class:`~connector.usage.decision.Decision` values (frozen);
every request still builds its own :class:`~connector.usage.decision.RequestDecision`
(its time, keys read and rows), and every decision is still written to the audit log. A
cached decision's ``reason`` states the constraint values as of its first evaluation in the
same bucket, when the constraint had the same truth.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from connector.usage.decision import Decision
from connector.usage.demand import Use
from policies import ODRL, Lit, Policy, State, UsageCount
from policies.model import Iri, rule_constraints
from policies.values import Duration, Interval, parse_duration, parse_value

_DATE_TIME = ODRL + "dateTime"
_ELAPSED = ODRL + "elapsedTime"


@dataclass(frozen=True)
class CacheKey:
    """Everything a request's decisions depend on besides the time (see the module)."""

    generation: int
    party: str
    purpose: str | None
    roles: tuple[str, ...]
    part_of: frozenset[tuple[str, str]]
    counters: frozenset[UsageCount]
    agreements: tuple[tuple[str, datetime], ...]
    uses: frozenset[Use]


def cache_key(
    generation: int,
    *,
    party: str,
    purpose: str | None,
    roles: Iterable[str],
    state: State,
    uses: Iterable[Use],
) -> CacheKey:
    return CacheKey(
        generation=generation,
        party=party,
        purpose=purpose,
        roles=tuple(sorted(set(roles))),
        part_of=state.part_of,
        counters=frozenset(state.counters),
        agreements=tuple(sorted(state.agreement_dates.items())),
        uses=frozenset(uses),
    )


@dataclass(frozen=True)
class _Entry:
    decisions: Mapping[Use, Decision]
    since: datetime
    until: datetime | None
    """``None``: no time-dependent constraint; else served only while ``now < until``."""


class DecisionCache:
    """A bounded map from :class:`CacheKey` to decisions, least recently used out first."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.generation = 0
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        """Forget everything and start a new policy generation (policies were reloaded)."""
        self._entries.clear()
        self.generation += 1

    def get(self, key: CacheKey, now: datetime) -> Mapping[Use, Decision] | None:
        entry = self._entries.get(key)
        if (
            entry is None
            or now < entry.since
            or (entry.until is not None and not now < entry.until)
        ):
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.decisions

    def put(
        self,
        key: CacheKey,
        decisions: Mapping[Use, Decision],
        *,
        since: datetime,
        until: datetime | None,
    ) -> None:
        self._entries[key] = _Entry(dict(decisions), since, until)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Uncacheable(Exception):
    """A time-dependent constraint whose boundary cannot be placed."""


def next_change(
    policies: Iterable[Policy], now: datetime, agreement_dates: Mapping[str, datetime]
) -> datetime | None:
    """The first instant after ``now`` at which a time-dependent constraint of ``policies``
    could change truth; ``None`` when none can any more (or none depends on the time),
    ``now`` itself (nothing may be cached) when one sits exactly at ``now`` or cannot be
    placed.

    A comparison of the current time with fixed points (``lt``, ``lteq``, ``eq``...) has
    one truth on each open interval between the points and may have another at a point;
    so a decision taken strictly between two points holds until the next point."""
    points: list[datetime] = []
    try:
        for policy in policies:
            for rule in policy.rules:
                for c in rule_constraints(rule):
                    if c.left == _DATE_TIME:
                        points += _date_points(c.right, c.right_reference)
                    elif c.left == _ELAPSED:
                        start = agreement_dates.get(policy.iri)
                        if start is not None:  # else "no agreement date": constant
                            points += _elapsed_points(start, c.right, c.right_reference)
    except Uncacheable:
        return now
    if points and now.tzinfo is None:
        return now
    if any(p == now for p in points):
        return now
    return min((p for p in points if p > now), default=None)


def _date_points(right: tuple[object, ...], reference: tuple[str, ...]) -> list[datetime]:
    if reference:
        raise Uncacheable
    out: list[datetime] = []
    for term in right:
        if not isinstance(term, Lit):
            raise Uncacheable
        value = parse_value(term, "time")
        if isinstance(value, Interval):
            out += [value.start, value.end]
        elif isinstance(value, datetime):
            out.append(value)
        else:
            raise Uncacheable
    if any(p.tzinfo is None for p in out):
        raise Uncacheable
    return out


def _elapsed_points(
    start: datetime, right: tuple[object, ...], reference: tuple[str, ...]
) -> list[datetime]:
    if reference or start.tzinfo is None:
        raise Uncacheable
    out: list[datetime] = []
    for term in right:
        if isinstance(term, Iri) or not isinstance(term, Lit):
            raise Uncacheable
        try:
            duration: Duration = parse_duration(term.lexical.strip())
        except ValueError:
            raise Uncacheable from None
        if duration.months:
            raise Uncacheable
        out.append(start + timedelta(seconds=float(duration.seconds)))
        if duration.seconds != Decimal(int(duration.seconds)):
            raise Uncacheable  # sub-second bounds: not worth placing exactly
    return out
