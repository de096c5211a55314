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
