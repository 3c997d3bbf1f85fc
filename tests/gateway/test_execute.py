"""The executor's pieces: walking response paths, merging answers, routing the errors of a
batched request back to each fetch."""

from __future__ import annotations

from connector.gateway._execute import _split_batch, collect, merge
from connector.gateway._http import SubgraphReply


def test_collect_walks_lists_and_keeps_absolute_paths() -> None:
    data = {"a": {"b": [{"c": {"x": 1}}, {"c": None}, {"c": [{"x": 2}, {"x": 3}]}]}}
    assert collect(data, ("a", "b", "c")) == [
        ({"x": 1}, ["a", "b", 0, "c"]),
        ({"x": 2}, ["a", "b", 2, "c", 0]),
        ({"x": 3}, ["a", "b", 2, "c", 1]),
    ]


def test_merge_is_deep_and_item_by_item() -> None:
    target = {"n": [{"id": 1}, {"id": 2}], "o": {"a": 1}}
    merge(target, {"n": [{"v": "x"}, {"v": "y"}], "o": {"b": 2}, "p": None})
    assert target == {
        "n": [{"id": 1, "v": "x"}, {"id": 2, "v": "y"}],
        "o": {"a": 1, "b": 2},
        "p": None,
    }


def test_batched_errors_go_back_to_their_fetch() -> None:
    reply = SubgraphReply(
        data={"_entities_0": [{"p": 1}], "_entities_1": [None]},
        errors=(
            {"message": "no price", "path": ["_entities_1", 0, "price"]},
            {"message": "somewhere"},
        ),
    )
    assert _split_batch(reply, 2) == [
        ([{"p": 1}], [{"message": "somewhere"}]),
        ([None], [{"message": "no price", "path": ["_entities", 0, "price"]}]),
    ]
