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
