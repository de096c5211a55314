select
    case_id,
    {{ day_series('d', date_add_days('d', 'n')) }} as series_day
from {{ ref('cross_db_inputs') }}
