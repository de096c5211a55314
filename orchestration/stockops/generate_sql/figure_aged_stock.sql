SELECT sku_id(any_value(sku_no)), loc_id(any_value(loc_no)),
    ts(min(sec))::DATE, sum(qty),
    count(*) FILTER (WHERE code <> 1)
FROM tx WHERE sku_no = (SELECT sku_no FROM sku WHERE role = 'aged')
