select
    grp,
    {{ arg_max('s', 'x') }} as s_at_max_x,
    {{ arg_min('s', 'x') }} as s_at_min_x,
    {{ arg_min('s', ['n', 'x']) }} as s_at_min_n_then_x,
    {{ arg_max('s', 'x', where='flag') }} as s_at_max_x_flagged,
    {{ percentile_cont('x', 0.5) }} as x_median,
    {{ percentile_cont('x', 0.9) }} as x_p90,
    {{ percentile_cont('x', 0.5, where='flag') }} as x_median_flagged,
    {{ array_text(sorted_distinct_array('s', where='flag'), "'|'") }} as flagged_s,
    {{ dbt.bool_or('flag') }} as any_flag,
    count(*) filter (where flag) as flagged_rows,
    stddev_samp(x) as x_std
from {{ ref('cross_db_inputs') }}
group by grp
