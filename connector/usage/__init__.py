"""Usage control on a node, in one place: every face asks it, none decides on its own.

A face (GraphQL, linked data, exports...) states what a request uses as
:class:`Use` s, calls :meth:`UsageControl.decide` once, applies the
:class:`RequestDecision` it gets (:meth:`~RequestDecision.require`,
:meth:`~RequestDecision.grain`, :meth:`~RequestDecision.groups`,
:meth:`~RequestDecision.hidden`, :meth:`~RequestDecision.pseudonymised`) and hands it
to :meth:`UsageControl.record`. The decision for each use is the pure ODRL evaluator's
(:mod:`policies`) plus the node's floors for aggregates and derived values
(:mod:`connector.usage.judge`); each dataset's policy is read once
(:func:`load_policies`). This package knows no GraphQL and no HTTP.
"""

from connector.usage.control import UsageControl
from connector.usage.decision import Decision, PolicyDenied, RequestDecision, short_name
from connector.usage.demand import Action, Bucket, Grain, GroupCount, Use, Window
from connector.usage.granularity import WHOLE_PERIOD, level_of
from connector.usage.loading import DatasetPolicy, load_dataset_policy, load_policies

__all__ = [
    "WHOLE_PERIOD",
    "Action",
    "Bucket",
    "DatasetPolicy",
    "Decision",
    "Grain",
    "GroupCount",
    "PolicyDenied",
    "RequestDecision",
    "UsageControl",
    "Use",
    "Window",
    "level_of",
    "load_dataset_policy",
    "load_policies",
    "short_name",
]
