"""The twelve ODRL 2.2 operators over the left operand's values and the right operand's.

Each returns ``True``, ``False`` or a string saying why the answer is unknown (an
undetermined comparison). With several left values (a request giving two purposes),
every one of them must satisfy the constraint; ``isAllOf`` asks the left values to
include every right value.

On a class-valued left operand (``odrl:purpose``: DPV purposes are classes), a value is a
class or an instance of one (``ex:p a dpv:AccountManagement``, typed in the request or the
state of the world): ``isA``, ``isAnyOf``, ``isAllOf`` and ``isNoneOf`` then follow the class
hierarchy (``dpv:AcademicResearch`` is one of ``dpv:ResearchAndDevelopment``, so
``isNoneOf dpv:ResearchAndDevelopment`` excludes it), and ``eq`` holds for the class itself
or an instance of exactly that class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import Term
from .profile import is_a, is_exactly, is_part_of
from .request import State
from .values import equal, order
from .vocab import ODRL

Outcome = bool | str


def _all(results: Iterable[Outcome]) -> Outcome:
    unknown = ""
    for result in results:
        if result is False:
            return False
        if isinstance(result, str):
            unknown = unknown or result
    return unknown or True


def _any(results: Iterable[Outcome]) -> Outcome:
    unknown = ""
    for result in results:
        if result is True:
            return True
        if isinstance(result, str):
            unknown = unknown or result
    return unknown or False


def _not(result: Outcome) -> Outcome:
    return result if isinstance(result, str) else not result


Run = Callable[[tuple[Term, ...], tuple[Term, ...], State], Outcome]
Same = Callable[[Term, Term, State], Outcome]


def _equal(value: Term, other: Term, state: State) -> Outcome:
    return equal(value, other)


def _ordered(test: Callable[[int], bool]) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        if len(right) != 1:
            return f"this operator takes one right operand, {len(right)} given"

        def one(value: Term) -> Outcome:
            result = order(value, right[0])
            return result if isinstance(result, str) else test(result)

        return _all(one(value) for value in left)

    return run


def _eq_with(same: Same) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        if len(right) == 1:
            return _all(same(value, right[0], state) for value in left)
        return _all([_is_all_of(same)(left, right, state), _is_any_of(same)(left, right, state)])

    return run


def _neq_with(same: Same) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        return _not(_eq_with(same)(left, right, state))

    return run


def _is_a(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
    return _all(_any(is_a(value, cls, state) for cls in right) for value in left)


def _is_part_of(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
    return _all(_any(is_part_of(value, whole, state) for whole in right) for value in left)


def _has_part(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
    return _all(_any(is_part_of(part, whole, state) for whole in left) for part in right)


def _is_all_of(same: Same) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        return _all(_any(same(value, wanted, state) for value in left) for wanted in right)

    return run


def _is_any_of(same: Same) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        return _all(_any(same(value, allowed, state) for allowed in right) for value in left)

    return run


def _is_none_of(same: Same) -> Run:
    def run(left: tuple[Term, ...], right: tuple[Term, ...], state: State) -> Outcome:
        return _all(_not(_any(same(value, banned, state) for banned in right)) for value in left)

    return run


def _operators(same: Same, member: Same) -> dict[str, Run]:
    """The twelve operators; ``same`` is ``eq``'s test, ``member`` that of the set operators."""
    return {
        ODRL + "eq": _eq_with(same),
        ODRL + "neq": _neq_with(same),
        ODRL + "lt": _ordered(lambda c: c < 0),
        ODRL + "lteq": _ordered(lambda c: c <= 0),
        ODRL + "gt": _ordered(lambda c: c > 0),
        ODRL + "gteq": _ordered(lambda c: c >= 0),
        ODRL + "isA": _is_a,
        ODRL + "isPartOf": _is_part_of,
        ODRL + "hasPart": _has_part,
        ODRL + "isAllOf": _is_all_of(member),
        ODRL + "isAnyOf": _is_any_of(member),
        ODRL + "isNoneOf": _is_none_of(member),
    }


OPERATORS: dict[str, Run] = _operators(_equal, _equal)
_CLASS_OPERATORS: dict[str, Run] = _operators(is_exactly, is_a)


def apply(
    operator: str,
    left: tuple[Term, ...],
    right: tuple[Term, ...],
    state: State,
    *,
    classes: bool = False,
) -> Outcome:
    """Apply ``operator``; an unknown operator is a string outcome naming it. ``classes``:
    the left operand's values are classes or their instances (see the module doc)."""
    run = (_CLASS_OPERATORS if classes else OPERATORS).get(operator)
    if run is None:
        return f"unknown operator {operator or '(none)'}"
    if not right:
        return "the constraint has no right operand"
    return run(left, right, state)
