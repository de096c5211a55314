WITH p AS (SELECT sku_no, loc_no FROM spair WHERE scen = 'stockout'),
daily AS (
    SELECT t.d, coalesce(sum(x.qty), 0) AS net
    FROM range(getvariable('n_days')) t(d)
    LEFT JOIN (SELECT tx.sec // 86400 AS d, tx.qty FROM tx JOIN p USING (sku_no, loc_no)) x
        USING (d)
    GROUP BY t.d
)
SELECT count(*) FILTER (WHERE oh = 0), count(*) FILTER (WHERE oh < 0)
FROM (SELECT sum(net) OVER (ORDER BY d) AS oh FROM daily)
