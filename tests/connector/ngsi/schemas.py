"""The Smart Data Models schemas bundled with the package, their ``$ref`` URLs resolved
to the local copies (a ``referencing`` registry without retrieval: never the network)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource


def _load(name: str) -> dict[str, Any]:
    text = resources.files("connector.ngsi").joinpath("schemas", name).read_text("utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


@cache
def validator(model: str) -> Draft202012Validator:
    schema = _load(f"{model}.schema.json")
    common = _load("common-schema.json")
    registry: Registry[Any] = Registry().with_resources(
        [
            (common["$id"], Resource.from_contents(common)),
            (schema["$id"], Resource.from_contents(schema)),
        ]
    )
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def assert_valid(model: str, entity: dict[str, Any]) -> None:
    errors = [e.message for e in validator(model).iter_errors(entity)]
    assert not errors, (entity, errors)
