"""Reading fct_decisions for the export: `inputs` JSON parsed, non-finite doubles included."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from stockops.warehouse import read_decisions


def test_inputs_are_parsed_also_when_duckdb_wrote_nan_and_infinity(tmp_path: Path) -> None:
    db = tmp_path / "stockops.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.fct_decisions as
        select * from (values
            ('b', json_object('cv', 'nan'::double, 'z', 'inf'::double)::varchar),
            ('a', json_object('cv', 0.25, 'label', 'x')::varchar),
            ('c', null)
        ) as t (decision_id, inputs)
        """
    )
    con.close()
    rows = read_decisions(db)
    assert [r["decision_id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["inputs"] == {"cv": 0.25, "label": "x"}
    assert math.isnan(rows[1]["inputs"]["cv"]) and rows[1]["inputs"]["z"] == math.inf
    assert rows[2]["inputs"] is None
    assert read_decisions(db, columns=["decision_id"]) == [
        {"decision_id": "a"},
        {"decision_id": "b"},
        {"decision_id": "c"},
    ]
