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
