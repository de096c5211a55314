SELECT
    (SELECT list(sku_id(sku_no) ORDER BY sku_no) FROM sku WHERE role = 'unreliable'),
    count(*)
FROM tx JOIN pol_num l ON l.line_no = tx.seq
WHERE tx.code = 1 AND l.sup_no = getvariable('n_sup')
  AND tx.sec // 86400 > l.promised_day + 1
  AND tx.sec >= (getvariable('n_days') - 90) * 86400
