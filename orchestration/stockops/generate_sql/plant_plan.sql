-- The constraint runs 16 h a day from 06:00 (minus down and blocked time). In the final three
-- days its red-zone input runs out: stock on the first of them covers that day's run plus 5 hours,
-- then the constraint is starved by that SKU.
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
