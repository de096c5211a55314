-- Every inflow bought from a supplier becomes a PO line (closed: received, possibly in two parts
-- or slightly short); lines ordered but not yet due are open; a few duplicates were cancelled.
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
