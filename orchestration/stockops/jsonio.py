"""JSON for the hot paths (the export's payloads, fct_decisions.inputs): orjson, with `json` where
orjson refuses valid-for-Python text."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    """orjson; `json` for the NaN and Infinity tokens that DuckDB's json_object writes for
    non-finite doubles (and an earlier `json.dumps` wrote into queue payloads), which orjson
    refuses."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
