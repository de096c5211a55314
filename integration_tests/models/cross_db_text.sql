select
    case_id,
    {{ format_general('x') }} as x_general,
    {{ format_fixed('x', 1) }} as x_fixed_1,
    {{ format_fixed('x', 2) }} as x_fixed_2,
    {{ format_text("Order %g units of %s (%.1f%% of 'cover', rank %d).", ['x', 's', 'x', 'n']) }} as sentence,
    {{ regexp_like('s', "'^[a-z]+-[0-9]{2}$'") }} as s_is_code
from {{ ref('cross_db_inputs') }}
