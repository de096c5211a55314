"""Deterministic sample landing data (docs/landing-contract.md), generated inside one in-memory DuckDB.

All heavy work is SQL; Python only sets the parameters, runs the phases in order and writes the
files. Every random draw is a hash of (seed, purpose tag, entity ids, day) mapped to [0, 1), so the
same arguments give identical tables regardless of thread scheduling, and another seed gives other
data.

The model, in short:

* SKU popularity is Pareto-distributed over a hashed popularity rank (ABC classes emerge); store
  demand has a weekly and a per-category seasonal shape, slow movers are intermittent, new SKUs
  launch late in the history and phase-out SKUs decline. Not every store carries every SKU.
* Replenishment is "perfect foresight" periodic review: each location × SKU is reviewed weekly on
  its location's delivery weekday; the cumulative receipts up to cycle k are the cumulative outflow
  up to the end of cycle k plus a safety stock, rounded up to the lot size. Receipts arrive before
  the cycle starts, so on-hand never drops below the safety stock (never negative) in normal
  operation. Stores are fed by DC -> store transfers (or directly by suppliers for direct-store-
  delivery SKUs); DCs and the plant buy from suppliers; the plant consumes the inputs of the
  constraint in proportion to the constraint's running hours.
* Supplier lateness only moves the promised date (arrivals are fixed by the replenishment plan),
  so lead-time noise never creates accidental stockouts.
* Named scenarios (scenarios.json) are injected on purpose-chosen SKU × location pairs; where a
  scenario really runs out of stock, sales are clipped to on-hand with a reflected running sum.
  Their key figures are read back from the generated tables and checked before anything is
  written.

Determinism holds for a given DuckDB version (its hash function is not a stable format).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from stockops.settings import EVENTS_TABLE, LANDING_TABLES

# Measured on 2 cores (seed 42): tiny ~3k transactions in <1 s, small ~260k in ~2 s,
# medium ~1.2M in ~6 s, large ~9.8M in ~35-45 s (peak RSS ~3.4 GB).
SCALES: dict[str, dict] = {
    "tiny": {"skus": 40, "locations": 4, "days": 120},
    "small": {"skus": 1000, "locations": 10, "days": 365},
    "medium": {"skus": 3000, "locations": 20, "days": 365},
    "large": {"skus": 20000, "locations": 50, "days": 365},
}

SCENARIOS_FILE = "scenarios.json"
MIN_SKUS, MIN_LOCATIONS, MIN_DAYS = 20, 4, 60
MAX_DAYS = 3660
# SKU x location x day cells above which generation works in a scratch DuckDB file, not in memory
IN_MEMORY_PAIR_DAYS = 1_000_000_000
MAX_SKUS, MAX_LOCATIONS = 99_999, 99  # ids are SKU-00001 and LOC-01
AGED_RECEIPT_DAYS = 420  # the aged SKU's only receipt is this many days before end_date
LATE_WINDOW_DAYS = 45  # the unreliable supplier delivers late in this many final days

# ------------------------------------------------------------------------------------ SQL phases
MACROS = """
CREATE MACRO hsh(tag, a, b) AS hash(getvariable('seed'), tag, a, b);
CREATE MACRO unit(h) AS (h >> 11)::DOUBLE / 9007199254740992.0;
CREATE MACRO u(tag, a, b) AS unit(hsh(tag, a, b));
CREATE MACRO b20(h, i) AS ((h >> (20 * i)) & 1048575)::DOUBLE / 1048576.0;
CREATE MACRO gauss(u1, u2) AS sqrt(-2 * ln(greatest(u1, 1e-9))) * cos(2 * pi() * u2);
CREATE MACRO pick(lst, x) AS lst[1 + floor(x * len(lst))::INTEGER];
CREATE MACRO ts(sec) AS make_timestamp(getvariable('start_us') + sec * 1000000);
CREATE MACRO sku_id(n) AS 'SKU-' || lpad(n::VARCHAR, 5, '0');
CREATE MACRO loc_id(n) AS 'LOC-' || lpad(n::VARCHAR, 2, '0');
CREATE MACRO sup_id(n) AS 'SUP-' || lpad(n::VARCHAR, 3, '0');
CREATE MACRO pol_id(n) AS 'POL-' || lpad(n::VARCHAR, 8, '0');
CREATE MACRO order_id(d, loc, sku) AS
    'SO-' || lpad(d::VARCHAR, 4, '0') || lpad(loc::VARCHAR, 2, '0') || lpad(sku::VARCHAR, 5, '0');
"""

MASTER_DATA = """
CREATE TABLE sup AS
WITH p AS (
    SELECT s AS sup_no,
        CASE WHEN s = 1 THEN 'tight' WHEN s = getvariable('n_sup') THEN 'unreliable'
             WHEN u(21, s, 0) < 0.5 THEN 'tight' ELSE 'noisy' END AS profile
    FROM range(1, getvariable('n_sup') + 1) t(s)
)
SELECT sup_no, profile,
    CASE profile WHEN 'noisy' THEN 8 + floor(u(22, sup_no, 0) * 14)
                 WHEN 'unreliable' THEN 6 + floor(u(22, sup_no, 0) * 4)
                 ELSE 3 + floor(u(22, sup_no, 0) * 8) END::INTEGER AS base_lt
FROM p;

CREATE TABLE loc AS
SELECT l AS loc_no,
    CASE WHEN l <= getvariable('n_dc') THEN 'dc' WHEN l = getvariable('n_locs') THEN 'plant'
         ELSE 'store' END AS loc_type,
    0.5 + 1.1 * u(31, l, 0) AS size_f,
    CASE WHEN getvariable('n_dc') = 2 THEN 1 + l % 2 ELSE 1 END AS dc_no,
    1 + floor(u(32, l, 0) * 7)::INTEGER AS offs
FROM range(1, getvariable('n_locs') + 1) t(l);

CREATE TABLE sku AS
WITH r AS (
    SELECT s AS sku_no, row_number() OVER (ORDER BY u(1, s, 0), s) AS pop_rank
    FROM range(1, getvariable('n_skus') + 1) t(s)
), b AS (
    SELECT sku_no, pop_rank, (pop_rank - 0.5) / getvariable('n_skus') AS u_pop,
        CASE WHEN pop_rank = 1 THEN 'stockout'
             WHEN pop_rank = 2 THEN 'shift'
             WHEN pop_rank = 3 THEN 'excess'
             WHEN pop_rank = 4 THEN 'shrinkage'
             WHEN pop_rank IN (5, 6, 7) THEN 'unreliable'
             WHEN pop_rank = 8 THEN 'negative'
             WHEN pop_rank = getvariable('n_skus') THEN 'aged'
             WHEN pop_rank = getvariable('n_skus') - 1 THEN 'red_zone'
             WHEN pop_rank >= getvariable('n_skus') - 5 THEN 'plant' END AS role
    FROM r
), c AS (
    SELECT *, coalesce(role IN ('red_zone', 'plant'), false) AS is_plant,
        round(least(900, greatest(0.3,
            exp(ln(8) + 1.1 * gauss(u(2, sku_no, 0), u(3, sku_no, 0)))
        )), 2) AS unit_cost,
        1 + floor(u(5, sku_no, 0) * (getvariable('n_sup') - 1))::INTEGER AS any_sup
    FROM b
), d AS (
    SELECT *,
        CASE WHEN is_plant THEN 6 ELSE 1 + floor(u(4, sku_no, 0) * 5)::INTEGER END AS cat,
        round(unit_cost * (1.3 + 1.2 * u(6, sku_no, 0)), 2) AS unit_price,
        CASE WHEN is_plant THEN pick([10, 20, 50], u(7, sku_no, 0))
             WHEN unit_cost < 2 THEN pick([6, 12, 24], u(7, sku_no, 0))
             WHEN unit_cost < 10 THEN pick([2, 4, 6, 12], u(7, sku_no, 0))
             WHEN unit_cost < 60 THEN pick([1, 2, 4], u(7, sku_no, 0))
             ELSE 1 END AS case_pack,
        CASE WHEN role = 'aged' THEN 'phase_out' WHEN role IS NOT NULL THEN 'active'
             WHEN u(8, sku_no, 0) < 0.04 THEN 'new'
             WHEN u(8, sku_no, 0) < 0.09 THEN 'phase_out' ELSE 'active' END AS lifecycle,
        greatest(0, getvariable('n_days') - 30 - floor(u(9, sku_no, 0) * 90))::INTEGER
            AS launch_day,
        getvariable('lam_scale') * pow(u_pop, -0.8) AS lam,
        role IS NULL AND u(10, sku_no, 0) < 0.15 AS dsd,
        CASE WHEN is_plant THEN 4 + floor(u(11, sku_no, 0) * 30) END AS q_run,
        CASE WHEN role = 'unreliable' THEN getvariable('n_sup') ELSE any_sup END AS primary_sup,
        CASE WHEN role = 'unreliable' THEN 1
             WHEN u(12, sku_no, 0) < 0.85 THEN 1 + (any_sup + floor(u(13, sku_no, 0)
                  * (getvariable('n_sup') - 2))::INTEGER) % (getvariable('n_sup') - 1)
        END AS backup_sup
    FROM c
)
SELECT *,
    case_pack * CASE
        WHEN is_plant THEN greatest(1, round(q_run * 14 * 3 / case_pack))
        WHEN dsd THEN 1
        ELSE least(20, greatest(1, round(lam * getvariable('n_stores') * 0.6 * 7 / case_pack)))
    END AS moq
FROM d;

CREATE TABLE sp AS
WITH x AS (
    SELECT sku_no, primary_sup AS sup_no, 1 AS priority FROM sku
    UNION ALL
    SELECT sku_no, backup_sup, 2 FROM sku WHERE backup_sup IS NOT NULL
)
SELECT x.sku_no, x.sup_no, x.priority::INTEGER AS priority,
    (sup.base_lt + floor(u(61, x.sku_no, x.sup_no) * 3))::INTEGER AS quoted_lt,
    s.moq::DOUBLE AS moq, s.case_pack::DOUBLE AS order_multiple,
    round(s.unit_cost * CASE WHEN x.priority = 1 THEN 0.95 + 0.1 * u(62, x.sku_no, x.sup_no)
                             ELSE 1.03 + 0.09 * u(62, x.sku_no, x.sup_no) END, 2) AS unit_cost
FROM x JOIN sku s USING (sku_no) JOIN sup USING (sup_no);

CREATE TABLE cat_day AS
WITH d AS (
    SELECT d, getvariable('start_date') + d::INTEGER AS day FROM range(getvariable('n_days')) t(d)
)
SELECT c AS cat, d.d,
    [0.85, 0.85, 0.9, 1.0, 1.15, 1.4, 0.85][isodow(d.day)]
    * (1 + (0.08 + 0.3 * u(71, c, 0))
       * cos(2 * pi() * (dayofyear(d.day) - floor(u(72, c, 0) * 365)) / 365.25)) AS mult
FROM range(1, 7) a(c), d;
"""

STORE_DEMAND = """
CREATE TABLE spair AS
WITH x AS (
    SELECT s.*, l.loc_no, l.dc_no, l.size_f, l.offs,
        CASE WHEN s.role = 'stockout' AND l.loc_no = getvariable('s1') THEN 'stockout'
             WHEN s.role = 'excess' AND l.loc_no = getvariable('s1') THEN 'excess'
             WHEN s.role = 'excess' AND l.loc_no = getvariable('s2') THEN 'short'
             WHEN s.role = 'shrinkage' AND l.loc_no = getvariable('s2') THEN 'shrinkage'
             WHEN s.role = 'shift' AND l.loc_no = getvariable('s1') THEN 'shift'
             WHEN s.role = 'negative' AND l.loc_no = getvariable('s2') THEN 'negative'
        END AS scen
    FROM sku s CROSS JOIN loc l
    WHERE l.loc_type = 'store' AND NOT s.is_plant AND s.role IS DISTINCT FROM 'aged'
)
SELECT sku_no * 1000 + loc_no AS pair_id, sku_no, loc_no, dc_no, offs, cat, lam * size_f AS mu_base,
    case_pack, dsd, lifecycle, launch_day, scen,
    -- stores order about two weeks of demand, at least three units, in whole cases
    case_pack * ceil(greatest(3, lam * size_f * 14) / case_pack) AS lot,
    3 + floor(u(41, sku_no, loc_no) * 5) AS ss_days
FROM x
WHERE scen IS NOT NULL
   OR (role = 'unreliable' AND loc_no = getvariable('s1'))
   -- small assortments are ranged more fully than large ones
   OR u(40, sku_no, loc_no)
      < 0.2 + 0.4 * least(1, 200 / getvariable('n_skus')) + 0.6 * pow(1 - u_pop, 2);

-- One pass over every store x SKU x day: the sale of the day (if any) and rare adjustments.
CREATE TABLE sev AS
WITH x AS (
    SELECT p.pair_id, p.sku_no, p.loc_no, p.scen, cd.d,
        p.mu_base * cd.mult
        * CASE p.lifecycle WHEN 'new' THEN (cd.d >= p.launch_day)::INTEGER
                           WHEN 'phase_out' THEN 1 - 0.7 * cd.d / getvariable('n_days')
                           ELSE 1 END
        * CASE WHEN p.scen = 'shift' AND cd.d >= getvariable('n_days') - 14 THEN 3 ELSE 1 END
            AS mu,
        hsh(11, p.pair_id, cd.d) AS h
    FROM spair p JOIN cat_day cd ON cd.cat = p.cat
), y AS (
    SELECT *, 1 - exp(-mu / 1.5) AS p_occ, b20(h, 0) AS ua, b20(h, 2) AS uc FROM x
)
SELECT pair_id, sku_no, loc_no, d, h,
    CASE WHEN ua < p_occ THEN greatest(1, round(mu / p_occ
        * exp(0.35 * gauss(b20(h, 1), unit(hash(h))) - 0.06125))) ELSE 0 END AS sale_qty,
    CASE WHEN scen IS NOT NULL THEN 0 WHEN uc < 0.002 THEN 1 WHEN uc < 0.0025 THEN 2
         WHEN uc < 0.0033 THEN 3 ELSE 0 END AS adj_kind
FROM y
WHERE ua < p_occ OR (scen IS NULL AND uc < 0.0033);

CREATE TABLE ssale AS
SELECT pair_id, sku_no, loc_no, d, sale_qty AS qty,
    d * 86400 + 8 * 3600 + floor(unit(hash(h, 4)) * 13 * 3600)::BIGINT AS sec
FROM sev WHERE sale_qty > 0;

CREATE TABLE adj AS
SELECT pair_id, sku_no, loc_no, d,
    d * 86400 + 21 * 3600 + floor(unit(hash(h, 3)) * 3000)::BIGINT AS sec,
    CASE adj_kind WHEN 3 THEN 'scrap' ELSE 'adjustment' END AS ttype,
    CASE adj_kind WHEN 1 THEN 'cycle_count' WHEN 2 THEN 'damage' END AS reason,
    CASE adj_kind
        WHEN 1 THEN CASE WHEN unit(hash(h, 1)) < 0.4 THEN 1 ELSE -1 END
                    * (1 + floor(unit(hash(h, 2)) * 2))
        WHEN 2 THEN -(1 + floor(unit(hash(h, 2)) * 2))
        ELSE -(1 + floor(unit(hash(h, 2)) * 3)) END AS qty
FROM sev WHERE adj_kind > 0
UNION ALL
SELECT pair_id, sku_no, loc_no, d,
    d * 86400 + 21 * 3600 + floor(u(82, pair_id, d) * 3000)::BIGINT,
    'adjustment', 'shrinkage', -(1 + floor(u(81, pair_id, d) * 4))
FROM (
    SELECT p.pair_id, p.sku_no, p.loc_no,
        getvariable('n_days') - 58 + 7 * j + floor(u(80, p.pair_id, j) * 4)::INTEGER AS d
    FROM spair p, range(8) t(j) WHERE p.scen = 'shrinkage'
);
"""

# Generic replenishment plan of one echelon: reads views lvl_out(pair_id, d, qty) with the daily
# outflow and lvl_pair(pair_id, offs, lot, ss, fixed_q, last_in_day, cap_from_total, cap_abs).
# Cycle k >= 1 starts on day offs + 7 (k - 1) and its inflow arrives that morning; cycle 0 is
# the opening balance on day 0.
SIZING = """
CREATE OR REPLACE TABLE lvl_in AS
WITH agg AS (
    SELECT o.pair_id, (o.d + 7 - p.offs) // 7 AS k, o.qty
    FROM lvl_out o JOIN lvl_pair p USING (pair_id)
    UNION ALL
    SELECT pair_id, 0, 0 FROM lvl_pair
), cyc AS (
    SELECT pair_id, k, sum(qty) AS qty FROM agg GROUP BY ALL
), tot AS (
    SELECT pair_id, sum(qty) AS tot_out FROM cyc GROUP BY 1
), cum AS (
    SELECT pair_id, k, qty, sum(qty) OVER (PARTITION BY pair_id ORDER BY k) AS cum_out FROM cyc
), tgt AS (
    -- cumulative target after cycle k and after the cycle before it (whose cum_out is
    -- cum_out - qty): the inflow is their difference
    SELECT c.pair_id, c.k, p.fixed_q, p.last_in_day,
        CASE WHEN c.k = 0 THEN 0 ELSE p.offs + 7 * (c.k - 1) END AS b,
        least(ceil((c.cum_out + p.ss) / p.lot) * p.lot, coalesce(p.cap_abs,
              t.tot_out - p.cap_from_total, 1e18)) AS r,
        CASE WHEN c.k = 0 THEN 0 ELSE least(ceil((c.cum_out - c.qty + p.ss) / p.lot) * p.lot,
              coalesce(p.cap_abs, t.tot_out - p.cap_from_total, 1e18)) END AS r_prev
    FROM cum c JOIN lvl_pair p USING (pair_id) JOIN tot t USING (pair_id)
)
SELECT pair_id, k, b, coalesce(fixed_q, r - r_prev) AS qty
FROM tgt
WHERE coalesce(fixed_q, r - r_prev) > 0
  AND b <= coalesce(last_in_day, getvariable('n_days') - 1);
"""

STORE_PLAN = """
CREATE TABLE sout AS
SELECT pair_id, d, sum(qty) AS qty
FROM (SELECT pair_id, d, qty FROM ssale UNION ALL SELECT pair_id, d, -qty FROM adj WHERE qty < 0)
GROUP BY ALL;

CREATE TABLE spar AS
SELECT p.pair_id, p.offs, p.lot,
    greatest(1, ceil(coalesce(t.tot, 0) / getvariable('n_days') * p.ss_days)) AS ss,
    CASE WHEN p.scen = 'stockout'
         THEN greatest(1, round(0.75 * 7 * t.tot / getvariable('n_days'))) END AS fixed_q,
    CASE WHEN p.scen = 'stockout' THEN getvariable('n_days') - 11 END AS last_in_day,
    CASE WHEN p.scen = 'negative'
         THEN greatest(3, round(2 * t.tot / getvariable('n_days'))) END AS cap_from_total,
    -- the short store gets nothing beyond its outflow up to 10 days before the end
    CASE WHEN p.scen = 'short' THEN t.early END AS cap_abs,
    coalesce(t.tot, 0) AS tot,
    p.dsd AND p.scen IS NULL AS future
FROM spair p LEFT JOIN (
    SELECT pair_id, sum(qty) AS tot,
        sum(qty) FILTER (WHERE d <= getvariable('n_days') - 11) AS early
    FROM sout GROUP BY 1
) t USING (pair_id);

CREATE OR REPLACE VIEW lvl_out AS SELECT * FROM sout;
CREATE OR REPLACE VIEW lvl_pair AS SELECT * FROM spar;
"""

STORE_FINISH = """
CREATE TABLE sin AS SELECT * FROM lvl_in;

-- Where a scenario really runs out, a sale cannot exceed on-hand: reflect the running balance at 0.
CREATE TABLE sclip AS
WITH ev AS (
    SELECT i.pair_id, i.b * 86400 + 6 * 3600 AS sec, i.qty AS delta, NULL::BIGINT AS d
    FROM sin i JOIN spair p USING (pair_id) WHERE p.scen IN ('stockout', 'short')
    UNION ALL
    SELECT s.pair_id, s.sec, -s.qty, s.d
    FROM ssale s JOIN spair p USING (pair_id) WHERE p.scen IN ('stockout', 'short')
), x AS (
    SELECT *, sum(delta) OVER w AS xc FROM ev
    WINDOW w AS (PARTITION BY pair_id ORDER BY sec, delta DESC ROWS UNBOUNDED PRECEDING)
), y AS (
    SELECT *, greatest(0, -min(xc) OVER w) AS lost FROM x
    WINDOW w AS (PARTITION BY pair_id ORDER BY sec, delta DESC ROWS UNBOUNDED PRECEDING)
), z AS (
    SELECT *, lost - coalesce(lag(lost) OVER (PARTITION BY pair_id ORDER BY sec, delta DESC), 0)
        AS lost_here
    FROM y
)
SELECT pair_id, d, -delta - lost_here AS qty FROM z WHERE d IS NOT NULL;

CREATE TABLE sale AS
SELECT s.pair_id, s.sku_no, s.loc_no, s.d, s.sec, coalesce(c.qty, s.qty) AS qty
FROM ssale s LEFT JOIN sclip c USING (pair_id, d)
WHERE coalesce(c.qty, s.qty) > 0;

CREATE TABLE sret AS
WITH r AS (
    SELECT s.sku_no, s.loc_no, s.d AS sale_d,
        s.d + 1 + floor(u(91, s.pair_id, s.d) * 14)::INTEGER AS d,
        least(s.qty, 1 + floor(u(92, s.pair_id, s.d) * least(s.qty, 3))) AS qty,
        u(93, s.pair_id, s.d) AS ut
    FROM sale s JOIN spair p USING (pair_id)
    WHERE p.scen IS NULL AND u(90, s.pair_id, s.d) < 0.02
)
SELECT sku_no, loc_no, sale_d, d, qty, d * 86400 + 10 * 3600 + floor(ut * 8 * 3600)::BIGINT AS sec
FROM r WHERE d < getvariable('n_days');

CREATE TABLE trf AS
WITH x AS (
    SELECT p.sku_no, p.loc_no, p.dc_no, i.b, i.qty,
        row_number() OVER (PARTITION BY i.b ORDER BY p.loc_no, p.sku_no) AS rn
    FROM sin i JOIN spair p USING (pair_id)
    WHERE i.k >= 1 AND NOT p.dsd
), o AS (  -- numbering by day partitions: parallel, same result as one global row_number
    SELECT b, sum(count(*)) OVER (ORDER BY b) - count(*) AS off FROM x GROUP BY b
)
SELECT (o.off + x.rn)::BIGINT AS trf_no, x.sku_no, x.loc_no, x.dc_no, x.b, x.qty
FROM x JOIN o USING (b);
"""

DC_PLAN = """
CREATE TABLE dpair AS
SELECT s.sku_no * 1000 + l.loc_no AS pair_id, s.sku_no, l.loc_no, l.offs, s.moq,
    5 + floor(u(101, s.sku_no, l.loc_no) * 5) AS ss_days
FROM (SELECT DISTINCT sku_no, dc_no FROM spair WHERE NOT dsd) x
JOIN sku s USING (sku_no) JOIN loc l ON l.loc_no = x.dc_no;

INSERT INTO adj
WITH x AS (
    SELECT p.pair_id, p.sku_no, p.loc_no, t.d, hsh(111, p.pair_id, t.d) AS h
    FROM dpair p, range(getvariable('n_days')) t(d)
), y AS (
    SELECT *, CASE WHEN b20(h, 0) < 0.003 THEN 1 WHEN b20(h, 0) < 0.0035 THEN 2
                   WHEN b20(h, 0) < 0.004 THEN 3 ELSE 0 END AS kind
    FROM x
)
SELECT pair_id, sku_no, loc_no, d,
    d * 86400 + 21 * 3600 + floor(unit(hash(h, 3)) * 3000)::BIGINT,
    CASE kind WHEN 3 THEN 'scrap' ELSE 'adjustment' END,
    CASE kind WHEN 1 THEN 'cycle_count' WHEN 2 THEN 'damage' END,
    CASE kind
        WHEN 1 THEN CASE WHEN unit(hash(h, 1)) < 0.4 THEN 1 ELSE -1 END
                    * (1 + floor(unit(hash(h, 2)) * 4))
        WHEN 2 THEN -(1 + floor(unit(hash(h, 2)) * 3))
        ELSE -(1 + floor(unit(hash(h, 2)) * 5)) END
FROM y WHERE kind > 0;

CREATE TABLE dout AS
SELECT pair_id, d, sum(qty) AS qty
FROM (
    SELECT sku_no * 1000 + dc_no AS pair_id, b - 1 AS d, qty FROM trf
    UNION ALL
    SELECT a.pair_id, a.d, -a.qty FROM adj a SEMI JOIN dpair USING (pair_id) WHERE a.qty < 0
)
GROUP BY ALL;

CREATE TABLE dpar AS
SELECT p.pair_id, p.offs, p.moq AS lot,
    greatest(1, ceil(coalesce(t.tot, 0) / getvariable('n_days') * p.ss_days)) AS ss,
    NULL::DOUBLE AS fixed_q, NULL::INTEGER AS last_in_day, NULL::DOUBLE AS cap_from_total,
    NULL::DOUBLE AS cap_abs, coalesce(t.tot, 0) AS tot, true AS future
FROM dpair p LEFT JOIN (SELECT pair_id, sum(qty) AS tot FROM dout GROUP BY 1) t USING (pair_id);

CREATE OR REPLACE VIEW lvl_out AS SELECT * FROM dout;
CREATE OR REPLACE VIEW lvl_pair AS SELECT * FROM dpar;
"""

# The constraint runs 16 h a day from 06:00 (minus down and blocked time). In the final three
# days its red-zone input runs out: stock on the first of them covers that day's run plus 5 hours,
# then the constraint is starved by that SKU.
PLANT_PLAN = """
CREATE TABLE con_day AS
WITH a AS (
    SELECT d,
        CASE WHEN u(121, d, 0) < 0.07 THEN 1 + floor(u(122, d, 0) * 4) ELSE 0 END::INTEGER AS dn,
        CASE WHEN u(123, d, 0) < 0.09 THEN 1 + floor(u(124, d, 0) * 3) ELSE 0 END::INTEGER AS bl
    FROM range(getvariable('n_days')) t(d)
), b AS (
    SELECT *, 16 - dn - bl AS planned, d >= getvariable('n_days') - 3 AS in_w FROM a
), c AS (
    SELECT *,
        sum(CASE WHEN in_w THEN planned ELSE 0 END) OVER (ORDER BY d) AS cum_w,
        max(CASE WHEN d = getvariable('n_days') - 3 THEN planned END) OVER () + 5 AS cap_h
    FROM b
)
SELECT d, dn, bl, planned, cap_h,
    (CASE WHEN in_w THEN least(cum_w, cap_h) - least(cum_w - planned, cap_h) ELSE planned END)
        ::INTEGER AS act
FROM c;

CREATE TABLE ppair AS
SELECT s.sku_no * 1000 + l.loc_no AS pair_id, s.sku_no, l.loc_no, l.offs, s.moq, s.q_run,
    s.role = 'red_zone' AS is_red
FROM sku s JOIN loc l ON l.loc_type = 'plant'
WHERE s.is_plant;

CREATE TABLE pcons AS
SELECT p.pair_id, p.sku_no, p.loc_no, c.d, p.q_run * c.act AS qty,
    c.d * 86400 + (6 + c.act + c.dn + c.bl) * 3600 AS sec
FROM ppair p, con_day c WHERE c.act > 0;

CREATE TABLE ppar AS
WITH t AS (
    SELECT pair_id, sum(qty) AS tot,
        sum(CASE WHEN d < getvariable('n_days') - 3 THEN qty ELSE 0 END) AS before_w
    FROM pcons GROUP BY 1
)
SELECT p.pair_id, p.offs, p.moq AS lot, ceil(t.tot / getvariable('n_days') * 5) AS ss,
    NULL::DOUBLE AS fixed_q, NULL::INTEGER AS last_in_day, NULL::DOUBLE AS cap_from_total,
    CASE WHEN p.is_red THEN t.before_w + p.q_run * (SELECT max(cap_h) FROM con_day)
                            + greatest(1, floor(p.q_run * 0.4)) END AS cap_abs,
    t.tot, NOT p.is_red AS future
FROM ppair p JOIN t USING (pair_id);

CREATE OR REPLACE VIEW lvl_out AS SELECT pair_id, d, qty FROM pcons;
CREATE OR REPLACE VIEW lvl_pair AS SELECT * FROM ppar;
"""

# Every inflow bought from a supplier becomes a PO line (closed: received, possibly in two parts
# or slightly short); lines ordered but not yet due are open; a few duplicates were cancelled.
PURCHASING = """
CREATE TABLE pin AS SELECT * FROM lvl_in;

CREATE TABLE sup_in AS
SELECT p.pair_id, p.sku_no, p.loc_no, i.k, i.b, i.qty,
    CASE WHEN i.k = 0 THEN 'opening' ELSE 'cycle' END AS kind,
    CASE WHEN i.k = 0 THEN 5 ELSE 6 END * 3600 AS tod
FROM sin i JOIN spair p USING (pair_id) WHERE i.k = 0 OR p.dsd
UNION ALL
SELECT p.pair_id, p.sku_no, p.loc_no, i.k, i.b, i.qty,
    CASE WHEN i.k = 0 THEN 'opening' ELSE 'cycle' END, CASE WHEN i.k = 0 THEN 5 ELSE 7 END * 3600
FROM din i JOIN dpair p USING (pair_id)
UNION ALL
SELECT p.pair_id, p.sku_no, p.loc_no, i.k, i.b, i.qty,
    CASE WHEN i.k = 0 THEN 'opening' ELSE 'cycle' END, 5 * 3600
FROM pin i JOIN ppair p USING (pair_id)
UNION ALL
SELECT p.pair_id, p.sku_no, p.loc_no, -1, getvariable('n_days') - 40,
    ceil(s.tot / getvariable('n_days') * 60 / p.case_pack) * p.case_pack, 'extra', 11 * 3600
FROM spair p JOIN spar s USING (pair_id) WHERE p.scen = 'excess'
UNION ALL
SELECT sku_no * 1000 + getvariable('s1'), sku_no, getvariable('s1'), -2,
    getvariable('n_days') - 1 - getvariable('aged_days'),
    case_pack * (2 + floor(u(131, sku_no, 0) * 4)), 'aged', 10 * 3600
FROM sku WHERE role = 'aged';

CREATE TABLE fut AS
WITH par AS (
    SELECT pair_id, offs, lot, ss, tot FROM spar WHERE future
    UNION ALL SELECT pair_id, offs, lot, ss, tot FROM dpar WHERE future
    UNION ALL SELECT pair_id, offs, lot, ss, tot FROM ppar WHERE future
), recv AS (
    SELECT pair_id, sum(qty) AS recv FROM sup_in GROUP BY 1
), c AS (
    SELECT par.*, coalesce(recv.recv, 0) AS recv,
        (getvariable('n_days') - 1 + 7 - offs) // 7 + j AS k
    FROM par LEFT JOIN recv USING (pair_id), range(1, 5) t(j)
), t AS (
    SELECT *, offs + 7 * (k - 1) AS b,
        greatest(recv, ceil((tot + tot / getvariable('n_days')
            * (offs + 7 * k - getvariable('n_days')) + ss) / lot) * lot) AS r
    FROM c
)
SELECT pair_id, pair_id // 1000 AS sku_no, pair_id % 1000 AS loc_no, k, b,
    r - coalesce(lag(r) OVER (PARTITION BY pair_id ORDER BY k), recv) AS qty
FROM t
QUALIFY qty > 0;

CREATE TABLE pol AS
WITH closed AS (
    SELECT i.*,
        CASE WHEN i.kind = 'cycle' AND s.backup_sup IS NOT NULL AND u(132, i.pair_id, i.k) < 0.04
             THEN s.backup_sup ELSE s.primary_sup END AS sup_no
    FROM sup_in i JOIN sku s USING (sku_no)
), lines AS (
    SELECT c.*, sp.quoted_lt, sp.unit_cost,
        CASE sup.profile
            WHEN 'tight' THEN -(u(133, c.pair_id, c.k) < 0.3)::INTEGER
            WHEN 'noisy' THEN CASE
                WHEN c.b < getvariable('n_days') - 90 AND u(134, c.pair_id, c.k) < 0.03 THEN 1
                ELSE -floor(u(133, c.pair_id, c.k) * 7)::INTEGER END
            ELSE CASE
                WHEN c.kind = 'cycle' AND c.b >= getvariable('n_days') - getvariable('late_window')
                THEN 3 + floor(u(133, c.pair_id, c.k) * 7)::INTEGER
                ELSE -(u(133, c.pair_id, c.k) < 0.3)::INTEGER END
        END AS late_days,
        CASE WHEN c.kind = 'cycle' AND c.k >= 2 AND c.qty >= 2 AND u(135, c.pair_id, c.k) < 0.06
             THEN greatest(1, floor(c.qty * (0.4 + 0.3 * u(136, c.pair_id, c.k)))) ELSE 0 END
            AS part1
    FROM closed c JOIN sup USING (sup_no) JOIN sp USING (sku_no, sup_no)
)
SELECT pair_id, sku_no, loc_no, sup_no, k, kind, 'closed' AS status, b, tod, qty, part1,
    b - late_days AS promised_day, b - late_days - quoted_lt AS ordered_day,
    qty + CASE WHEN kind = 'cycle' AND qty >= 10 AND u(137, pair_id, k) < 0.04
               THEN greatest(1, round(qty * 0.05)) ELSE 0 END AS ordered_qty,
    unit_cost
FROM lines;

INSERT INTO pol
SELECT pair_id, sku_no, loc_no, sup_no, k, kind, 'cancelled', NULL, NULL, NULL, NULL,
    promised_day, ordered_day - 1 - floor(u(138, pair_id, k) * 3)::INTEGER, ordered_qty, unit_cost
FROM pol WHERE kind = 'cycle' AND u(139, pair_id, k) < 0.012;

INSERT INTO pol
WITH f AS (
    SELECT f.pair_id, f.sku_no, f.loc_no, s.primary_sup AS sup_no, f.k, 'future' AS kind,
        f.b AS promised_day, f.qty
    FROM fut f JOIN sku s USING (sku_no)
    UNION ALL
    SELECT p.pair_id, p.sku_no, p.loc_no, s.primary_sup, -3, 'overdue',
        getvariable('n_days') - 4, ceil(t.tot / getvariable('n_days') * 14 / t.lot) * t.lot
    FROM ppair p JOIN ppar t USING (pair_id) JOIN sku s USING (sku_no) WHERE p.is_red
)
SELECT f.pair_id, f.sku_no, f.loc_no, f.sup_no, f.k, f.kind, 'open', NULL, NULL, NULL, NULL,
    f.promised_day, f.promised_day - sp.quoted_lt, f.qty, sp.unit_cost
FROM f JOIN sp USING (sku_no, sup_no)
WHERE f.promised_day - sp.quoted_lt < getvariable('n_days');

CREATE TABLE pol_num AS
WITH x AS (
    SELECT *,
        dense_rank() OVER (PARTITION BY ordered_day ORDER BY sup_no, loc_no) AS po_rn,
        row_number() OVER (PARTITION BY ordered_day
                           ORDER BY sup_no, loc_no, sku_no, k, kind, status) AS line_rn
    FROM pol
), o AS (
    SELECT ordered_day,
        sum(max(po_rn)) OVER (ORDER BY ordered_day) - max(po_rn) AS po_off,
        sum(count(*)) OVER (ORDER BY ordered_day) - count(*) AS line_off
    FROM x GROUP BY ordered_day
)
SELECT x.* EXCLUDE (po_rn, line_rn), (o.po_off + x.po_rn)::BIGINT AS po_no,
    (o.line_off + x.line_rn)::BIGINT AS line_no,
    x.ordered_day * 86400 + 9 * 3600
        + floor(u(141, x.ordered_day, x.sup_no * 1000 + x.loc_no) * 8 * 3600)::BIGINT
        AS ordered_sec
FROM x JOIN o USING (ordered_day);

CREATE TABLE receipt AS
SELECT sku_no, loc_no, (b - 1) * 86400 + tod + floor(u(142, pair_id, k) * 3000)::BIGINT AS sec,
    part1 AS qty, line_no, unit_cost
FROM pol_num WHERE status = 'closed' AND part1 > 0
UNION ALL
SELECT sku_no, loc_no, b * 86400 + tod + floor(u(143, pair_id, k) * 3000)::BIGINT,
    qty - part1, line_no, unit_cost
FROM pol_num WHERE status = 'closed';
"""

ASSEMBLE = """
-- The ledger with integer keys, sorted by time: txn_id is rowid + 1 (unique sort key, so the
-- numbering is deterministic). seq is the number behind reference_id (the sale day of the order,
-- the transfer or the PO line number).
CREATE TABLE tx AS
WITH t AS (
    SELECT sec, sku_no, loc_no, 4 AS code, d AS seq, -qty AS qty, NULL AS reason,
        NULL AS unit_cost
    FROM sale
    UNION ALL
    SELECT sec, sku_no, loc_no, 3, sale_d, qty, NULL, NULL FROM sret
    UNION ALL
    SELECT sec, sku_no, loc_no, CASE ttype WHEN 'scrap' THEN 8 ELSE 7 END, 0, qty, reason, NULL
    FROM adj
    UNION ALL
    SELECT (b - 1) * 86400 + 20 * 3600 + floor(u(151, trf_no, 0) * 3000)::BIGINT, sku_no, dc_no,
        6, trf_no, -qty, NULL, NULL
    FROM trf
    UNION ALL
    SELECT b * 86400 + 6 * 3600 + floor(u(152, trf_no, 0) * 3000)::BIGINT, sku_no, loc_no,
        2, trf_no, qty, NULL, NULL
    FROM trf
    UNION ALL
    SELECT sec, sku_no, loc_no, 1, line_no, qty, NULL, unit_cost FROM receipt
    UNION ALL
    SELECT sec, sku_no, loc_no, 5, 0, -qty, NULL, NULL FROM pcons
)
SELECT t.sec::BIGINT AS sec, t.sku_no::BIGINT AS sku_no, t.loc_no::BIGINT AS loc_no, t.code,
    t.seq::BIGINT AS seq, t.qty::DOUBLE AS qty, t.reason,
    coalesce(t.unit_cost, s.unit_cost)::DOUBLE AS unit_cost
FROM t JOIN sku s USING (sku_no)
ORDER BY t.sec, t.loc_no, t.sku_no, t.code, t.seq;

-- A pure projection of tx keeps its order; written once, straight to Parquet.
CREATE VIEW inventory_transactions AS
SELECT 'T' || lpad((rowid + 1)::VARCHAR, 10, '0') AS txn_id, ts(sec) AS occurred_at,
    sku_id(sku_no) AS sku_id, loc_id(loc_no) AS location_id,
    CASE code WHEN 1 THEN 'receipt' WHEN 2 THEN 'transfer_in' WHEN 3 THEN 'return'
        WHEN 4 THEN 'sale' WHEN 5 THEN 'consumption' WHEN 6 THEN 'transfer_out'
        WHEN 7 THEN 'adjustment' ELSE 'scrap' END AS txn_type,
    qty AS quantity, unit_cost,
    CASE WHEN code IN (3, 4) THEN order_id(seq, loc_no, sku_no)
         WHEN code IN (2, 6) THEN 'TRF-' || lpad(seq::VARCHAR, 8, '0')
         WHEN code = 1 THEN pol_id(seq) END AS reference_id,
    reason AS reason_code
FROM tx;

CREATE TABLE purchase_order_lines AS
SELECT pol_id(line_no) AS po_line_id, printf('PO-%07d', po_no) AS po_id,
    sup_id(sup_no) AS supplier_id, sku_id(sku_no) AS sku_id, loc_id(loc_no) AS location_id,
    ordered_qty::DOUBLE AS ordered_qty, unit_cost::DOUBLE AS unit_cost,
    ts(ordered_sec) AS ordered_at,
    getvariable('start_date') + promised_day::INTEGER AS promised_date, status
FROM pol_num ORDER BY line_no;

CREATE TABLE products AS
SELECT sku_id(sku_no) AS sku_id,
    pick(['Classic', 'Premium', 'Everyday', 'Pro', 'Eco', 'Compact', 'Deluxe', 'Basic'],
         u(161, sku_no, 0)) || ' '
    || pick(CASE cat
        WHEN 1 THEN ['Coffee', 'Tea', 'Juice', 'Water', 'Cola']
        WHEN 2 THEN ['Pasta', 'Rice', 'Flour', 'Oats', 'Beans']
        WHEN 3 THEN ['Soap', 'Shampoo', 'Detergent', 'Sponge', 'Towel']
        WHEN 4 THEN ['Lamp', 'Cable', 'Battery', 'Charger', 'Plug']
        WHEN 5 THEN ['Notebook', 'Pen', 'Folder', 'Stapler', 'Tape']
        ELSE ['Resin', 'Granulate', 'Film', 'Cap', 'Label'] END, u(162, sku_no, 0))
    || ' ' || pick(['S', 'M', 'L', 'XL', '250', '500', '1000'], u(163, sku_no, 0))
        AS sku_name,
    printf('CAT-%02d', cat) AS category_id, unit_cost::DOUBLE AS unit_cost,
    unit_price::DOUBLE AS unit_price, lifecycle AS lifecycle_status
FROM sku ORDER BY sku_no;

CREATE TABLE locations AS
SELECT loc_id(loc_no) AS location_id,
    CASE loc_type
        WHEN 'dc' THEN CASE loc_no WHEN 1 THEN 'DC North' ELSE 'DC South' END
        WHEN 'plant' THEN 'Plant Riverside'
        ELSE 'Store ' || pick(['Springfield', 'Riverton', 'Lakeside', 'Hillview', 'Fairmont',
            'Oakdale', 'Maplewood', 'Brookfield', 'Ashford', 'Clearwater'],
            u(171, loc_no, 0)) || ' ' || printf('%02d', loc_no) END AS location_name,
    loc_type AS location_type
FROM loc ORDER BY loc_no;

CREATE TABLE suppliers AS
SELECT sup_id(sup_no) AS supplier_id,
    pick(['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Vandelay', 'Stark', 'Wayne',
          'Tyrell', 'Cyberdyne', 'Soylent', 'Hooli'], u(181, sup_no, 0)) || ' '
    || pick(['Supply', 'Trading', 'Industries', 'Wholesale', 'Logistics'], u(182, sup_no, 0))
    || ' ' || printf('%03d', sup_no) AS supplier_name
FROM sup ORDER BY sup_no;

CREATE TABLE supplier_products AS
SELECT sup_id(sup_no) AS supplier_id, sku_id(sku_no) AS sku_id, priority,
    quoted_lt AS quoted_lead_time_days, moq, order_multiple, unit_cost::DOUBLE AS unit_cost
FROM sp ORDER BY sku_no, priority;

CREATE TABLE constraint_resources AS
SELECT 'CON-01' AS constraint_id, 'Filling line 1' AS constraint_name,
    loc_id(getvariable('n_locs')) AS location_id, 16.0::DOUBLE AS capacity_hours_per_day,
    'plant.manager' AS owner_id;

CREATE TABLE constraint_inputs AS
SELECT 'CON-01' AS constraint_id, sku_id(sku_no) AS sku_id, q_run::DOUBLE AS qty_per_run_hour
FROM ppair ORDER BY sku_no;

CREATE TABLE constraint_runs AS
WITH x AS (
    SELECT d, dn, bl, planned - act AS st,
        CASE WHEN dn + bl > 0 THEN act // 2 ELSE 0 END AS a,
        act - CASE WHEN dn + bl > 0 THEN act // 2 ELSE 0 END AS b2
    FROM con_day
), iv AS (
    SELECT d, 0 AS o, a AS h, 'running' AS state FROM x
    UNION ALL SELECT d, a, dn, 'down' FROM x
    UNION ALL SELECT d, a + dn, bl, 'blocked' FROM x
    UNION ALL SELECT d, a + dn + bl, b2, 'running' FROM x
    UNION ALL SELECT d, a + dn + bl + b2, st, 'starved' FROM x
)
SELECT 'CON-01' AS constraint_id, ts(d * 86400 + (6 + o) * 3600) AS started_at,
    ts(d * 86400 + (6 + o + h) * 3600) AS ended_at, state,
    CASE WHEN state = 'starved'
         THEN (SELECT sku_id(sku_no) FROM ppair WHERE is_red) END AS starved_by_sku_id
FROM iv WHERE h > 0
ORDER BY started_at;

-- Cash: opening balance + sales receipts - supplier payments (30 days after receipt) - even opex,
-- in integer cents so the sums are exact and deterministic.
CREATE TABLE cash_positions AS
WITH flows AS (
    SELECT sec // 86400 AS d,
        -qty * round(s.unit_price * 100) AS rev,
        0 AS paid
    FROM tx JOIN sku s USING (sku_no) WHERE code IN (3, 4)
    UNION ALL
    SELECT b + 30, 0, qty * round(unit_cost * 100)
    FROM pol_num WHERE status = 'closed' AND kind IN ('cycle', 'extra')
), daily AS (
    SELECT t.d, coalesce(sum(f.rev), 0)::BIGINT AS rev, coalesce(sum(f.paid), 0)::BIGINT AS paid
    FROM range(getvariable('n_days')) t(d) LEFT JOIN flows f USING (d) GROUP BY t.d
), opex AS (
    SELECT (sum(rev) - sum(paid)) // getvariable('n_days') AS opex,
        sum(paid) // getvariable('n_days') AS avg_paid
    FROM daily
), run AS (
    SELECT d, sum(rev - paid - opex) OVER (ORDER BY d) AS cum, avg_paid FROM daily, opex
)
SELECT getvariable('start_date') + d::INTEGER AS as_of_date,
    ((30 * avg_paid - min(cum) OVER () + cum) / 100.0)::DOUBLE AS available_cash
FROM run ORDER BY d;
"""

# Each scenario's key figures, read back from the generated tables.
SCENARIO_FIGURES = {
    "unreliable_supplier": """
        SELECT
            (SELECT list(sku_id(sku_no) ORDER BY sku_no) FROM sku WHERE role = 'unreliable'),
            count(*)
        FROM tx JOIN pol_num l ON l.line_no = tx.seq
        WHERE tx.code = 1 AND l.sup_no = getvariable('n_sup')
          AND tx.sec // 86400 > l.promised_day + 1
          AND tx.sec >= (getvariable('n_days') - 90) * 86400
    """,
    "aged_stock": """
        SELECT sku_id(any_value(sku_no)), loc_id(any_value(loc_no)),
            ts(min(sec))::DATE, sum(qty),
            count(*) FILTER (WHERE code <> 1)
        FROM tx WHERE sku_no = (SELECT sku_no FROM sku WHERE role = 'aged')
    """,
    "constraint_red_zone": """
        WITH x AS (SELECT sku_no, loc_no FROM ppair WHERE is_red)
        SELECT sku_id(x.sku_no), loc_id(x.loc_no),
            (SELECT sum(qty) FROM tx WHERE sku_no = x.sku_no AND loc_no = x.loc_no),
            (SELECT sum(qty) / 28.0 FROM pcons
             WHERE sku_no = x.sku_no AND d BETWEEN getvariable('n_days') - 31
                                           AND getvariable('n_days') - 4),
            (SELECT count(DISTINCT started_at::DATE) FROM constraint_runs WHERE state = 'starved'),
            (SELECT sum(epoch(ended_at - started_at)) / 3600 FROM constraint_runs
             WHERE state = 'starved')
        FROM x
    """,
    "shrinkage": """
        SELECT sku_id(sku_no), loc_id(loc_no), count(*), sum(qty)
        FROM adj WHERE reason = 'shrinkage' GROUP BY ALL
    """,
    "pair_on_hand": """
        SELECT p.scen, sku_id(p.sku_no), loc_id(p.loc_no), sum(tx.qty),
            (SELECT sum(qty) FROM sale WHERE pair_id = p.pair_id) / getvariable('n_days')
        FROM spair p JOIN tx USING (sku_no, loc_no)
        WHERE p.scen IS NOT NULL
        GROUP BY ALL ORDER BY p.scen
    """,
    "stockout_days": """
        WITH p AS (SELECT sku_no, loc_no FROM spair WHERE scen = 'stockout'),
        daily AS (
            SELECT t.d, coalesce(sum(x.qty), 0) AS net
            FROM range(getvariable('n_days')) t(d)
            LEFT JOIN (SELECT tx.sec // 86400 AS d, tx.qty FROM tx JOIN p USING (sku_no, loc_no)) x
                USING (d)
            GROUP BY t.d
        )
        SELECT count(*) FILTER (WHERE oh = 0), count(*) FILTER (WHERE oh < 0)
        FROM (SELECT sum(net) OVER (ORDER BY d) AS oh FROM daily)
    """,
    "demand_shift": """
        SELECT
            sum(qty) FILTER (WHERE d < getvariable('n_days') - 14)
                / (getvariable('n_days') - 14),
            sum(qty) FILTER (WHERE d >= getvariable('n_days') - 14) / 14
        FROM sale WHERE pair_id = (SELECT pair_id FROM spair WHERE scen = 'shift')
    """,
}


# ----------------------------------------------------------------------------------------- API
def generate(
    out_dir: Path,
    *,
    skus: int,
    locations: int,
    days: int,
    seed: int = 42,
    end_date: dt.date = dt.date(2026, 10, 31),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the ten landing tables as Parquet plus scenarios.json into ``out_dir``.

    Returns a summary: ``row_counts`` per table, ``scenarios``, ``seconds`` and the arguments.
    Raises ValueError for invalid arguments or when ``out_dir`` already holds landing files.
    """
    started = time.monotonic()
    _validate(skus=skus, locations=locations, days=days, seed=seed, end_date=end_date)
    out_dir = Path(out_dir)
    _refuse_existing(out_dir)
    say = progress or (lambda _msg: None)

    start_date = end_date - dt.timedelta(days=days - 1)
    n_dc = 2 if locations >= 5 else 1
    variables = {
        "seed": seed,
        "n_skus": skus,
        "n_locs": locations,
        "n_days": days,
        "n_dc": n_dc,
        "n_stores": locations - n_dc - 1,
        "n_sup": max(5, min(80, skus // 250)),
        "s1": n_dc + 1,
        "s2": n_dc + 2,
        # Pareto popularity, scaled so that small catalogues still sell a few units a day.
        "lam_scale": 0.011 * (20000 / skus) ** 0.5,
        "aged_days": AGED_RECEIPT_DAYS,
        "late_window": LATE_WINDOW_DAYS,
        "start_us": int(
            (dt.datetime.combine(start_date, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds()
        )
        * 1_000_000,
    }
    # Up to ~10M transactions the working tables fit in memory (3.2 GB at 10M); beyond that they
    # live in a scratch DuckDB file beside the output, so DuckDB can spill instead of running out.
    scratch = None
    if skus * locations * days > IN_MEMORY_PAIR_DAYS:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".generate-scratch-", dir=out_dir.parent))
        say(f"working in a scratch database {scratch} (removed at the end)")
        con = duckdb.connect(
            str(scratch / "generate.duckdb"),
            config={"memory_limit": "50%", "temp_directory": str(scratch / "spill")},
        )
    else:
        con = duckdb.connect()
    try:
        for name, value in variables.items():
            con.execute(f"SET VARIABLE {name} = {value!r}")
        con.execute(f"SET VARIABLE start_date = DATE '{start_date.isoformat()}'")
        con.execute(f"SET VARIABLE end_date = DATE '{end_date.isoformat()}'")
        con.execute(MACROS)

        say(f"products, suppliers and {locations} locations")
        con.execute(MASTER_DATA)
        say(f"store demand: {skus} SKUs x {variables['n_stores']} stores x {days} days")
        con.execute(STORE_DEMAND)
        say("store replenishment (DC transfers and direct deliveries)")
        con.execute(STORE_PLAN)
        con.execute(SIZING)
        con.execute(STORE_FINISH)
        say("DC replenishment")
        con.execute(DC_PLAN)
        con.execute(SIZING)
        con.execute("CREATE TABLE din AS SELECT * FROM lvl_in")
        say("plant consumption and constraint runs")
        con.execute(PLANT_PLAN)
        con.execute(SIZING)
        say("purchase orders and receipts")
        con.execute(PURCHASING)
        say("assembling the transaction ledger")
        con.execute(ASSEMBLE)

        say("reading back the scenarios")
        scenarios = _scenarios(con, seed=seed, end_date=end_date, n_sup=variables["n_sup"])
        say(f"writing Parquet to {out_dir}")
        row_counts = _write(con, out_dir)
        (out_dir / SCENARIOS_FILE).write_text(
            json.dumps(
                {"seed": seed, "end_date": end_date.isoformat(), "scenarios": scenarios}, indent=2
            )
            + "\n"
        )
    finally:
        con.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    seconds = round(time.monotonic() - started, 2)
    say(f"done: {row_counts['inventory_transactions']:,} transactions in {seconds:.1f}s")
    return {
        "out_dir": str(out_dir),
        "seed": seed,
        "skus": skus,
        "locations": locations,
        "days": days,
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "row_counts": row_counts,
        "scenarios": scenarios,
        "seconds": seconds,
    }


# ------------------------------------------------------------------------------------- helpers
def _validate(*, skus: int, locations: int, days: int, seed: int, end_date: dt.date) -> None:
    for name, value in (("skus", skus), ("locations", locations), ("days", days)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(end_date, dt.date) or isinstance(end_date, dt.datetime):
        raise ValueError(f"end_date must be a datetime.date, got {end_date!r}")
    if not MIN_SKUS <= skus <= MAX_SKUS:
        raise ValueError(
            f"skus must be between {MIN_SKUS} and {MAX_SKUS:,} (the scenarios need {MIN_SKUS} "
            f"distinct SKUs), got {skus}"
        )
    if not MIN_LOCATIONS <= locations <= MAX_LOCATIONS:
        raise ValueError(
            f"locations must be between {MIN_LOCATIONS} and {MAX_LOCATIONS} (a DC, two stores "
            f"for the excess/short transfer scenario, and a plant), got {locations}"
        )
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(
            f"days must be between {MIN_DAYS} (a usable demand history) and {MAX_DAYS}, got {days}"
        )


def _refuse_existing(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} exists and is not a directory")
    found = [
        path
        for table in (*LANDING_TABLES, EVENTS_TABLE)
        if (out_dir / table).is_dir()
        for path in (out_dir / table).iterdir()
        if path.is_file()
    ]
    if (out_dir / SCENARIOS_FILE).exists():
        found.append(out_dir / SCENARIOS_FILE)
    if found:
        raise ValueError(
            f"refusing to write sample data into {out_dir}: it already contains landing files "
            f"(e.g. {found[0]}); landed files are immutable, choose an empty directory"
        )


def _write(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    counts = {}
    for table in LANDING_TABLES:
        target = out_dir / table / "part-00000.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        path = str(target).replace("'", "''")
        con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
        source = "tx" if table == "inventory_transactions" else table
        counts[table] = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]  # noqa: S608
    return counts


def _scenarios(
    con: duckdb.DuckDBPyConnection, *, seed: int, end_date: dt.date, n_sup: int
) -> list[dict]:
    def one(name: str) -> tuple:
        return con.execute(SCENARIO_FIGURES[name]).fetchone()

    def rows(name: str) -> list[tuple]:
        return con.execute(SCENARIO_FIGURES[name]).fetchall()

    pairs = {scen: (sku, loc, oh, demand) for scen, sku, loc, oh, demand in rows("pair_on_hand")}
    sku_ids, late = one("unreliable_supplier")
    aged_sku, aged_loc, aged_date, aged_qty, aged_moves = one("aged_stock")
    red_sku, red_loc, red_oh, red_daily, starved_days, starved_hours = one("constraint_red_zone")
    ((shrink_sku, shrink_loc, shrink_n, shrink_qty),) = rows("shrinkage")
    stockout_days, negative_days = one("stockout_days")
    before, after = one("demand_shift")
    excess, short = pairs["excess"], pairs["short"]

    scenarios = [
        {
            "name": "Unreliable supplier loses volume to its backup",
            "kind": "unreliable_supplier",
            "supplier_id": f"SUP-{n_sup:03d}",
            "backup_supplier_id": "SUP-001",
            "sku_ids": sku_ids,
            "late_deliveries": late,
            "window_days": 90,
            "late_since": (end_date - dt.timedelta(days=LATE_WINDOW_DAYS - 1)).isoformat(),
        },
        {
            "name": "Phase-out stock received over a year ago, never sold",
            "kind": "aged_stock",
            "sku_id": aged_sku,
            "location_id": aged_loc,
            "oldest_receipt_date": aged_date.isoformat(),
            "age_days": (end_date - aged_date).days,
            "on_hand_qty": aged_qty,
        },
        {
            "name": "Constraint input in the red zone, constraint starved",
            "kind": "constraint_red_zone",
            "constraint_id": "CON-01",
            "sku_id": red_sku,
            "location_id": red_loc,
            "on_hand_qty": red_oh,
            "avg_daily_consumption": round(red_daily, 2),
            "starved_days": starved_days,
            "starved_hours": starved_hours,
        },
        {
            "name": "Repeated unexplained shrinkage",
            "kind": "shrinkage",
            "sku_id": shrink_sku,
            "location_id": shrink_loc,
            "adjustment_count": shrink_n,
            "total_qty": shrink_qty,
            "window_days": 60,
        },
        {
            "name": "Stockout-prone store SKU, out of stock at the end",
            "kind": "stockout_prone",
            "sku_id": pairs["stockout"][0],
            "location_id": pairs["stockout"][1],
            "stockout_days": stockout_days,
            "on_hand_qty": pairs["stockout"][2],
        },
        {
            "name": "Excess at one store, shortage at another",
            "kind": "excess_transfer",
            "sku_id": excess[0],
            "excess_location_id": excess[1],
            "short_location_id": short[1],
            "excess_on_hand_qty": excess[2],
            "short_on_hand_qty": short[2],
            "excess_days_of_cover": round(excess[2] / excess[3], 1),
        },
        {
            "name": "Ledger implies negative stock (missing receipt)",
            "kind": "negative_on_hand",
            "sku_id": pairs["negative"][0],
            "location_id": pairs["negative"][1],
            "on_hand_qty": pairs["negative"][2],
        },
        {
            "name": "Demand tripled in the last 14 days",
            "kind": "demand_shift",
            "sku_id": pairs["shift"][0],
            "location_id": pairs["shift"][1],
            "baseline_daily_demand": round(before, 2),
            "recent_daily_demand": round(after, 2),
            "window_days": 14,
        },
    ]
    problems = [
        msg
        for ok, msg in (
            (late >= 3, f"only {late} late deliveries"),
            (aged_moves == 0 and aged_qty > 0, "aged stock moved"),
            (red_oh < red_daily and starved_days > 0, "constraint input not in the red zone"),
            (shrink_n >= 3, "too few shrinkage adjustments"),
            (pairs["stockout"][2] == 0 and stockout_days >= 2, "stockout pair not out of stock"),
            (negative_days == 0, "stockout pair went negative"),
            (pairs["negative"][2] < 0, "negative_on_hand pair is not negative"),
        )
        if not ok
    ]
    if problems:  # a generator bug, never bad input: fail loudly rather than write a lie
        raise RuntimeError(f"scenario check failed (seed {seed}): {'; '.join(problems)}")
    return scenarios
