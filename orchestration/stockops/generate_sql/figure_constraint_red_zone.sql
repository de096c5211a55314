WITH x AS (SELECT sku_no, loc_no FROM ppair WHERE is_red)
SELECT sku_id(x.sku_no), loc_id(x.loc_no),
    (SELECT sum(qty) FROM tx WHERE sku_no = x.sku_no AND loc_no = x.loc_no),
    (SELECT sum(qty) / 28.0 FROM pcons
     WHERE sku_no = x.sku_no AND d BETWEEN getvariable('n_days') - 31
                                   AND getvariable('n_days') - 4),
    (SELECT count(DISTINCT started_at::DATE) FROM constraint_runs WHERE state = 'starved'),
    (SELECT sum(epoch(ended_at - started_at)) / 3600 FROM constraint_runs
     WHERE state = 'starved')
FROM x
