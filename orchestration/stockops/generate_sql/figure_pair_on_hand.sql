SELECT p.scen, sku_id(p.sku_no), loc_id(p.loc_no), sum(tx.qty),
    (SELECT sum(qty) FROM sale WHERE pair_id = p.pair_id) / getvariable('n_days')
FROM spair p JOIN tx USING (sku_no, loc_no)
WHERE p.scen IS NOT NULL
GROUP BY ALL ORDER BY p.scen
