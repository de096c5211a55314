SELECT sku_id(sku_no), loc_id(loc_no), count(*), sum(qty)
FROM adj WHERE reason = 'shrinkage' GROUP BY ALL
