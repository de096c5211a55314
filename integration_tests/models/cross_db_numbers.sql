select
    case_id,
    {{ round_double('x', 2) }} as x_round_2,
    {{ round_double('x', 0) }} as x_round_0,
    {{ divide('n', 2) }} as n_half,
    {{ divide('x', 'n') }} as x_per_n,
    {{ try_cast_double('s') }} as s_double
from {{ ref('cross_db_inputs') }}
