select
    case_id,
    {{ int_series('n', 'n + 2') }} as series_value
from {{ ref('cross_db_inputs') }}
where n >= 0
