SELECT
    sum(qty) FILTER (WHERE d < getvariable('n_days') - 14)
        / (getvariable('n_days') - 14),
    sum(qty) FILTER (WHERE d >= getvariable('n_days') - 14) / 14
FROM sale WHERE pair_id = (SELECT pair_id FROM spair WHERE scen = 'shift')
