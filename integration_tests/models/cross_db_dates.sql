select
    case_id,
    {{ date_add_days('d', 'n') }} as d_plus_n_days,
    {{ timestamp_add('day', 'n', 'ts') }} as ts_plus_n_days,
    {{ timestamp_add('millisecond', 'n', 'ts') }} as ts_plus_n_ms,
    {{ date_text('ts') }} as ts_date_text,
    {{ date_text('d') }} as d_date_text,
    {{ timestamp_text('ts') }} as ts_text,
    {{ timestamp_text('ts', ' ') }} as ts_text_spaced,
    {{ dbt.datediff('ts', 'ts2', 'day') }} as days_between,
    {{ dbt.datediff('ts', 'ts2', 'second') }} as seconds_between,
    cast({{ dbt.date_trunc('week', 'ts') }} as date) as week_start,
    {{ try_cast_timestamp('s') }} as s_timestamp
from {{ ref('cross_db_inputs') }}
