"""Shared fixtures: generated landing data and isolated warehouses in temp directories."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stockops import generate

    out = tmp_path_factory.mktemp("landing") / "tiny"
    generate.generate(out, seed=7, **generate.SCALES["tiny"])
    return out
