"""The protocol's state machines (DSP 2025-1, contract negotiation and transfer process),
as tables: for each message a side may receive, the states it may come in, the state it
leads to, and the states in which it is a repeat (answered as done, changing nothing).

Anything else is out of order: :func:`step` says why, naming the state and the message,
and the route answers the protocol's error with 409 (400 for a message this side never
accepts). The ``*_SENDS`` tables are a side's own moves, made when it sends a message:
the states it may send it in (a compare-and-set in the store) and the state it leads to.

A provider negotiation, as this node runs it::

    request for one of our Offers, as published   REQUESTED -> AGREED -> VERIFIED -> FINALIZED
    a counter-offer (other rules, other @id...)   REQUESTED -> OFFERED (our Offer sent)
      then the consumer's ACCEPTED                OFFERED -> ACCEPTED -> AGREED -> ...
      or a request repeating our Offer            OFFERED -> REQUESTED -> AGREED -> ...
      or a counter-offer again                    OFFERED -> REQUESTED -> OFFERED, the
                                                  third counter-offer -> TERMINATED
    either side's termination                     any state but FINALIZED -> TERMINATED

The agreement always carries the Offer we published (the one we offered), never the
consumer's counter-offer. A consumer negotiation (``guichet dsp negotiate``)::

    the agreement comes                           REQUESTED -> AGREED -> VERIFIED -> FINALIZED
    an offer comes: the one asked for (or
      any, with --accept-counter-offer)           REQUESTED -> OFFERED -> ACCEPTED -> AGREED...
      another                                     REQUESTED -> OFFERED -> TERMINATED
"""

from __future__ import annotations

from collections.abc import Mapping
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
PROVIDER_SENDS = {
    "ContractOfferMessage": _s({"REQUESTED"}, "OFFERED"),
    "ContractAgreementMessage": _s({"REQUESTED", "ACCEPTED"}, "AGREED"),
    "FINALIZED": _s({"VERIFIED"}, "FINALIZED"),
    "ContractNegotiationTerminationMessage": _s(NOT_FINAL, "TERMINATED"),
}
CONSUMER_NEGOTIATION = {
    "ContractOfferMessage": _s({"REQUESTED"}, "OFFERED", "OFFERED", "ACCEPTED"),
    "ContractAgreementMessage": _s(
        {"REQUESTED", "ACCEPTED"}, "AGREED", "AGREED", "VERIFIED", "FINALIZED"
    ),
    "FINALIZED": _s({"VERIFIED"}, "FINALIZED", "FINALIZED"),
    "ContractNegotiationTerminationMessage": _s(NOT_FINAL, "TERMINATED", "TERMINATED"),
}
CONSUMER_SENDS = {
    "ACCEPTED": _s({"OFFERED"}, "ACCEPTED"),
    "ContractAgreementVerificationMessage": _s({"AGREED"}, "VERIFIED"),
    "ContractNegotiationTerminationMessage": _s(NOT_FINAL, "TERMINATED"),
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


def step(table: Mapping[str, Step], message: str, state: str) -> Verdict | str:
    """``"move"``, ``"repeat"``, or why ``message`` cannot come in ``state``."""
    rule = table[message]
    if state in rule.sources:
        return "move"
    if state in rule.repeats:
        return "repeat"
    expected = " or ".join(sorted(rule.sources))
    return f"{message} cannot be accepted in state {state}: it is expected in state {expected}"
