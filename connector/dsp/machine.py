"""The protocol's state machines (DSP 2025-1, contract negotiation and transfer process),
as tables: for each message a side may receive, the states it may come in, the state it
leads to, and the states in which it is a repeat (answered as done, changing nothing).

Anything else is out of order: :func:`step` says why, naming the state and the message,
and the route answers the protocol's error with 409 (400 for a message this side never
accepts). This node's offers are fixed, so it sends no ``ContractOfferMessage`` and a
provider negotiation never reaches ``OFFERED``; the rows for it are the specification's
all the same, so that a consumer's ``ACCEPTED`` is refused for the right reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NOT_FINAL = frozenset({"REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED"})


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    repeats: frozenset[str]


def _s(sources: set[str] | frozenset[str], target: str, *repeats: str) -> Step:
    return Step(frozenset(sources), target, frozenset(repeats))


PROVIDER_NEGOTIATION = {
    "ContractRequestMessage": _s({"OFFERED"}, "REQUESTED", "REQUESTED"),
    "ContractAgreementVerificationMessage": _s({"AGREED"}, "VERIFIED", "VERIFIED", "FINALIZED"),
    "ACCEPTED": _s({"OFFERED"}, "ACCEPTED", "ACCEPTED"),
    "ContractNegotiationTerminationMessage": _s(NOT_FINAL, "TERMINATED", "TERMINATED"),
}
CONSUMER_NEGOTIATION = {
    "ContractAgreementMessage": _s(
        {"REQUESTED", "ACCEPTED"}, "AGREED", "AGREED", "VERIFIED", "FINALIZED"
    ),
    "FINALIZED": _s({"VERIFIED"}, "FINALIZED", "FINALIZED"),
    "ContractNegotiationTerminationMessage": _s(NOT_FINAL, "TERMINATED", "TERMINATED"),
}
TRANSFER_OPEN = frozenset({"REQUESTED", "STARTED", "SUSPENDED"})
PROVIDER_TRANSFER = {
    "TransferCompletionMessage": _s({"STARTED"}, "COMPLETED", "COMPLETED"),
    "TransferSuspensionMessage": _s({"STARTED"}, "SUSPENDED", "SUSPENDED"),
    "TransferTerminationMessage": _s(TRANSFER_OPEN, "TERMINATED", "TERMINATED"),
}
CONSUMER_TRANSFER = {
    "TransferStartMessage": _s({"REQUESTED", "SUSPENDED"}, "STARTED", "STARTED"),
    **PROVIDER_TRANSFER,
}

Verdict = Literal["move", "repeat"]


def step(table: dict[str, Step], message: str, state: str) -> Verdict | str:
    """``"move"``, ``"repeat"``, or why ``message`` cannot come in ``state``."""
    rule = table[message]
    if state in rule.sources:
        return "move"
    if state in rule.repeats:
        return "repeat"
    expected = " or ".join(sorted(rule.sources))
    return f"{message} cannot be accepted in state {state}: it is expected in state {expected}"
