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
