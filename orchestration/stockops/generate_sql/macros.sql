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
