"""The dbt graph's layering and metadata, read from target/manifest.json (written by `make setup`'s
`dbt parse`; no dbt run): intermediate models never read a mart, every model under a domain folder
belongs to that domain's group, marts are public with an owner, exposures read marts only."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from support import PROJECT_DIR

DOMAINS = {"inventory", "suppliers", "constraints", "decisions"}


@cache
def manifest() -> dict[str, Any]:
    return json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())


def models(layer: str) -> dict[str, dict[str, Any]]:
    """The project's models under models/<layer>/, by unique id."""
    return {
        uid: node
        for uid, node in manifest()["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == "stockops"
        and node["original_file_path"].startswith(f"models/{layer}/")
    }


def test_no_intermediate_model_depends_on_a_mart():
    marts = models("marts")
    offenders = [
        f"{node['name']} -> {marts[parent]['name']}"
        for node in models("intermediate").values()
        for parent in node["depends_on"]["nodes"]
        if parent in marts
    ]
    assert marts and not offenders


def test_models_sit_in_their_domains_group():
    groups = {g["name"]: g for g in manifest()["groups"].values()}
    assert set(groups) == DOMAINS and all(g["owner"].get("name") for g in groups.values())
    for layer in ("intermediate", "marts"):
        for node in models(layer).values():
            folder = node["original_file_path"].split("/")[2]
            expected = folder if folder in DOMAINS else None
            assert node["config"]["group"] == expected, node["original_file_path"]


def test_marts_are_public_with_their_groups_owner():
    groups = {g["name"]: g for g in manifest()["groups"].values()}
    for node in models("marts").values():
        assert node["access"] == "public", node["name"]
        assert node["config"]["meta"]["owner"] == groups[node["group"]]["owner"]["name"]
        assert node["config"]["contract"]["enforced"], node["name"]


def test_exposures_read_marts_and_the_published_files_cover_every_mart():
    marts = models("marts")
    exposures = {e["name"]: e for e in manifest()["exposures"].values()}
    assert {"owner_queue_export", "webhook_delivery", "published_marts"} <= set(exposures)
    for exposure in exposures.values():
        assert set(exposure["depends_on"]["nodes"]) <= set(marts), exposure["name"]
    assert set(exposures["published_marts"]["depends_on"]["nodes"]) == set(marts)
