"""Every docstring example in nnfit runs and prints what it says (DESIGN.md: examples are
doctests in CI)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import nnfit

MODULES = sorted(m.name for m in pkgutil.walk_packages(nnfit.__path__, "nnfit.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
