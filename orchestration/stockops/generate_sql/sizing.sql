-- Generic replenishment plan of one echelon: reads views lvl_out(pair_id, d, qty) with the daily
-- outflow and lvl_pair(pair_id, offs, lot, ss, fixed_q, last_in_day, cap_from_total, cap_abs).
-- Cycle k >= 1 starts on day offs + 7 (k - 1) and its inflow arrives that morning; cycle 0 is
-- the opening balance on day 0.
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
