with documents as (

    select
        case_id,
        x,
        s,
        flag,
        {{ json_object([
            ['qty', 'x'],
            ['sku', 's'],
            ['urgent', 'flag'],
            ['at', timestamp_text('ts', ' ')],
            ['none', 'cast(null as ' ~ dbt.type_string() ~ ')'],
        ]) }} as doc
    from {{ ref('cross_db_inputs') }}

)

select
    case_id,
    cast({{ json_text('doc', 'qty') }} as {{ type_double() }}) = x as qty_round_trips,
    {{ json_text('doc', 'sku') }} as sku,
    {{ json_text('doc', 'urgent') }} as urgent,
    {{ json_text('doc', 'at') }} as at_text,
    {{ json_text('doc', 'none') }} as none_value,
    replace(cast(doc as {{ dbt.type_string() }}), ' ', '') like '%"none":null%' as keeps_null_keys,
    {{ json_text('doc', 'missing') }} as missing_value
from documents
