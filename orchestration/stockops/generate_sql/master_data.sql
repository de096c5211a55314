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
