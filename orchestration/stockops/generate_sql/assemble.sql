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
