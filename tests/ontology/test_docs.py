"""The examples in the public docstrings are true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import ontology
from ontology import _context, _graphs


@pytest.mark.parametrize("module", [ontology, _context, _graphs])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
