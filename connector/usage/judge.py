"""The decision for one use of one dataset: the ODRL evaluation and the node's floors.

Reading rows is the evaluator's decision for ``read``. An aggregate or a derived value
is the evaluator's decision for ``aggregate`` or ``derive`` at the aggregation level
the query actually covers (:func:`~connector.usage.granularity.level_of`), and then:

* a caller who may read the rows gets it as asked: it discloses nothing more;
* any other caller gets it only from *cells* — every group dimension and one unit of
  time, the finest unit their permit allows — each holding at least
  ``[usage] min_group_size`` rows and, for personal data, ``min_subjects`` distinct
  subjects; a cell below is left out of every answer, so two answers differ by whole
  cells. The window must fall on that unit, filters may only select whole cells (no
  ``cuts``), and each group returned is decided again with its real counts
  (``gui:groupSize``, ``gui:subjectCount``). A value computed from personal data is thus
  personal data: withheld, or aggregated over at least ``min_subjects`` dwellings.

A policy that is missing or not understood, a prohibition, or a duty the node cannot
carry out means deny. Everything here is pure: the caller brings the state of the world.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from connector.audit import Outcome
from connector.config import DatasetConfig, NodeConfig
from connector.identity import Identity
from connector.usage.decision import KNOWN_DUTIES, Decision, short_name
from connector.usage.demand import Action, Bucket, Grain, GroupCount, Use
from connector.usage.granularity import CELL_UNITS, UNIT_DURATION, aligned, level_of
from policies import ODRL, Policy, Report, Request, State, evaluate

UNBOUNDED = 1_000_000_000
"""The group size asked before the source has counted: "could any group be permitted?"."""
_ORDER = {u: i for i, u in enumerate(("hour", "day", "week", "month", "year"))}


@dataclass(frozen=True)
class Judge:
    """Decides the uses of one request for one caller in one state of the world.

    ``policies`` gives, per dataset, the policies that grant (the Set and the caller's
    Agreements), or the reason the dataset is closed."""

    config: NodeConfig
    identity: Identity
    state: State
    policies: Mapping[str, tuple[Policy, ...] | str]
    resources: Mapping[str, DatasetConfig] = field(default_factory=dict)
    """What the node holds besides its datasets (its audit log), decided alike."""

    def decide(self, use: Use) -> Decision:
        ds = self.config.datasets.get(use.dataset) or self.resources[use.dataset]
        if use.action is Action.READ:
            return self._evaluate(ds, use)
        return self._computed(ds, use)

    # -- one evaluation ---------------------------------------------------------------
    def _evaluate(
        self,
        ds: DatasetConfig,
        use: Use,
        *,
        level: str | None = None,
        rows: int | None = None,
        subjects: int | None = None,
        action: Action | None = None,
    ) -> Decision:
        act = action or use.action
        loaded = self.policies.get(ds.id, f"dataset {ds.id!r} has no policy")
        if isinstance(loaded, str):
            return self._deny(ds, use, loaded, code="dataset-closed", level=level)
        if not loaded:
            return self._deny(
                ds,
                use,
                f"dataset {ds.id!r} is only offered: accept one of its offers first (acceptOffer)",
                code="offer-not-accepted",
                level=level,
            )
        request = Request.create(
            party=self.identity.party,
            action=ODRL + act,
            target=ds.iri,
            purpose=(self.identity.purpose,) if self.identity.purpose else (),
            roles=self.identity.roles,
            aggregation_level=level,
            group_size=rows,
            subject_count=subjects,
        )
        report = evaluate(loaded, request, self.state)
        policy = report.policy or (loaded[0].iri if len(loaded) == 1 else None)
        unknown = [d.action for d in report.duties if d.action not in KNOWN_DUTIES]
        if report.permitted and unknown:
            return self._deny(
                ds,
                use,
                f"the permit requires the duty {short_name(unknown[0])}, which this node "
                "cannot enforce",
                code="duty-unenforceable",
                policy=policy,
                rule=report.rule,
                level=level,
            )
        return Decision(
            use=use,
            dataset=ds,
            outcome=Outcome(report.decision),
            reason=report.reason,
            code=report.code,
            policy=policy,
            rule=report.rule or report.closest,
            duties=tuple(short_name(d.action) for d in report.duties),
            attribution=tuple(
                p for d in report.duties if d.action == ODRL + "attribute" for _, p in d.parties
            ),
            level=level,
        )

    @staticmethod
    def _deny(
        ds: DatasetConfig,
        use: Use,
        reason: str,
        *,
        code: str,
        policy: str | None = None,
        rule: str | None = None,
        level: str | None = None,
    ) -> Decision:
        return Decision(
            use=use,
            dataset=ds,
            outcome=Outcome.DENY,
            reason=reason,
            code=code,
            policy=policy,
            rule=rule,
            level=level,
        )

    # -- aggregates and derived values ------------------------------------------------
    def _computed(self, ds: DatasetConfig, use: Use) -> Decision:
        level = level_of(use)
        asked = self._evaluate(ds, use, level=level, rows=UNBOUNDED, subjects=UNBOUNDED)
        if not asked.permitted and self._forbidden(ds, use, level):
            return asked
        reader = self._evaluate(ds, use, action=Action.READ)
        if reader.permitted:
            if asked.permitted:
                return asked
            return replace(
                reader,
                level=level,
                reason=f"the caller may read the rows it is computed from: {reader.reason}",
            )
        if not asked.permitted:
            return asked
        return self._floored(ds, use, level, asked)

    def _forbidden(self, ds: DatasetConfig, use: Use, level: str) -> bool:
        """Whether the asked action is denied by more than the absence of a permission
        (a prohibition, a conflict, a term not understood): no read permit overrides it."""
        loaded = self.policies.get(ds.id)
        if not isinstance(loaded, tuple) or not loaded:
            return True
        request = Request.create(
            party=self.identity.party,
            action=ODRL + use.action,
            target=ds.iri,
            purpose=(self.identity.purpose,) if self.identity.purpose else (),
            roles=self.identity.roles,
            aggregation_level=level,
            group_size=UNBOUNDED,
            subject_count=UNBOUNDED,
        )
        report: Report = evaluate(loaded, request, self.state)
        return any(p.outcome == "deny" for p in report.policies)

    def _floored(self, ds: DatasetConfig, use: Use, level: str, asked: Decision) -> Decision:
        if use.cuts:
            return self._deny(
                ds,
                use,
                f"filters on {', '.join(use.cuts)} cut groups into parts of any size; under "
                f"a permit to {use.action} (not to read), filter only on what groups are "
                "made of, and on time by whole units",
                code="cells-cut",
                policy=asked.policy,
                rule=asked.rule,
                level=level,
            )
        unit = self._cell_unit(ds, use)
        if unit is None:
            return self._deny(
                ds,
                use,
                f"no unit of time ({', '.join(CELL_UNITS)}) is coarse enough for the permit "
                f"to {use.action} {ds.id}",
                code="too-fine",
                policy=asked.policy,
                rule=asked.rule,
                level=level,
            )
        problem = self._misfit(use, unit)
        if problem:
            return self._deny(
                ds,
                use,
                problem,
                code="cells-cut",
                policy=asked.policy,
                rule=asked.rule,
                level=level,
            )
        floors = self.config.usage
        grain_rows = floors.min_group_size
        grain_subjects = floors.min_subjects if ds.personal_data else 1
        grain = Grain(unit=unit, min_rows=grain_rows, min_subjects=grain_subjects)

        def per_group(group: GroupCount) -> Decision:
            return replace(settle(group), grain=grain)

        def settle(group: GroupCount) -> Decision:
            if group.rows < grain_rows:
                return self._deny(
                    ds,
                    use,
                    f"a group of {group.rows} rows is below the node's minimum of {grain_rows}",
                    code="group-too-small",
                    policy=asked.policy,
                    rule=asked.rule,
                    level=level,
                )
            if group.subjects < grain_subjects:
                return self._deny(
                    ds,
                    use,
                    f"{ds.id} holds personal data: a value over {group.subjects} subject(s) "
                    f"is personal data, and the minimum for a caller who may not read the "
                    f"rows is {grain_subjects}",
                    code="too-few-subjects",
                    policy=asked.policy,
                    rule=asked.rule,
                    level=level,
                )
            return self._evaluate(ds, use, level=level, rows=group.rows, subjects=group.subjects)

        return replace(asked, grain=grain, per_group=per_group)

    def _cell_unit(self, ds: DatasetConfig, use: Use) -> Bucket | None:
        """The finest unit of time the caller's permit allows for this use."""
        for unit in CELL_UNITS:
            d = self._evaluate(
                ds, use, level=UNIT_DURATION[unit], rows=UNBOUNDED, subjects=UNBOUNDED
            )
            if d.permitted:
                return unit
        return None

    @staticmethod
    def _misfit(use: Use, unit: Bucket) -> str:
        """Why the use's buckets or window cut the cells, or ``""``."""
        bucket = use.bucket
        if bucket is not None and (
            _ORDER[bucket] < _ORDER[unit] or (bucket == "week" and unit in ("month", "year"))
        ):
            return f"buckets of a {bucket} cut the cells of a {unit} this answer is built from"
        if use.window is not None and not aligned(use.window, unit):
            return (
                f"the time window must start and end on whole {unit}s ({use.window.zone}, "
                "with gte and lt bounds): a window cut finer could differ from another by a "
                "single reading"
            )
        return ""
