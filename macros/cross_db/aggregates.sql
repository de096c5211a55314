{#-
    Aggregates DuckDB has and the other engines spell differently. dbt's own any_value and bool_or
    are cross-database already (dbt.any_value, dbt.bool_or).
-#}

{#-
    arg_max(value, order_by, where=none) / arg_min(...): `value` of the row with the greatest
    (smallest) `order_by`; rows whose value or (single) order_by is null are skipped, as DuckDB does;
    `where` filters the rows like an aggregate FILTER clause. order_by is one expression or a list compared left to right (DuckDB's
    row comparison). Ties are broken arbitrarily on DuckDB and Spark: make the ordering unique.
-#}
{% macro arg_max(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme')(value, order_by, where, 'desc')) }}
{%- endmacro %}

{% macro arg_min(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme')(value, order_by, where, 'asc')) }}
{%- endmacro %}

{% macro cross_db_filter(where) -%}
    {%- if where is not none %} filter (where {{ where }}){% endif -%}
{%- endmacro %}

{% macro default__arg_extreme(value, order_by, where, direction) -%}
    {%- set key = order_by if order_by is string else '(' ~ order_by | join(', ') ~ ')' -%}
    arg_{{ 'max' if direction == 'desc' else 'min' }}({{ value }}, {{ key }}){{ cross_db_filter(where) }}
{%- endmacro %}

{% macro postgres__arg_extreme(value, order_by, where, direction) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    {%- set conditions = [] -%}
    {%- if where is not none %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
    {%- do conditions.append(value ~ ' is not null') -%}
    {%- if order_by is string %}{% do conditions.append(order_by ~ ' is not null') %}{% endif -%}
    (array_agg({{ value }} order by {% for key in keys %}{{ key }} {{ direction }} nulls last{{ ', ' if not loop.last }}{% endfor %})
        filter (where {{ conditions | join(' and ') }}))[1]
{%- endmacro %}

{% macro spark__arg_extreme(value, order_by, where, direction) -%}
    {%- set key = order_by if order_by is string else 'struct(' ~ order_by | join(', ') ~ ')' -%}
    {%- set condition = value ~ ' is not null' ~ ('' if where is none else ' and (' ~ where ~ ')') -%}
    {{ 'max_by' if direction == 'desc' else 'min_by' }}({{ value }}, {{ key }}){{ cross_db_filter(condition) }}
{%- endmacro %}


{#- percentile_cont(x, fraction, where=none): the continuous (interpolated) percentile; 0.5 is the
    median. DuckDB's quantile_cont / median; the ordered-set aggregate elsewhere. -#}
{% macro percentile_cont(x, fraction, where=none) -%}
    {{ return(adapter.dispatch('percentile_cont')(x, fraction, where)) }}
{%- endmacro %}

{% macro default__percentile_cont(x, fraction, where) -%}
    quantile_cont({{ x }}, {{ fraction }}){{ cross_db_filter(where) }}
{%- endmacro %}

{% macro postgres__percentile_cont(x, fraction, where) -%}
    percentile_cont({{ fraction }}) within group (order by {{ x }}){{ cross_db_filter(where) }}
{%- endmacro %}

{% macro spark__percentile_cont(x, fraction, where) -%}
    percentile({{ x }}, {{ fraction }}){{ cross_db_filter(where) }}
{%- endmacro %}


{#-
    sorted_distinct_array(x, where=none): the distinct non-null values of x in ascending order, as an
    array; null when no row passes `where` (DuckDB's list_sort(list_distinct(list(x) filter ...))),
    an empty array when rows pass but every x is null.
-#}
{% macro sorted_distinct_array(x, where=none) -%}
    {{ return(adapter.dispatch('sorted_distinct_array')(x, where)) }}
{%- endmacro %}

{% macro default__sorted_distinct_array(x, where) -%}
    list_sort(list_distinct(list({{ x }}){{ cross_db_filter(where) }}))
{%- endmacro %}

{% macro postgres__sorted_distinct_array(x, where) -%}
    case
        when count(*){{ cross_db_filter(where) }} > 0
            then coalesce(
                array_agg(distinct {{ x }} order by {{ x }})
                    filter (where {% if where is not none %}({{ where }}) and {% endif %}{{ x }} is not null),
                array[]::varchar[]
            )
    end
{%- endmacro %}

{% macro spark__sorted_distinct_array(x, where) -%}
    case
        when count(*){{ cross_db_filter(where) }} > 0
            then array_sort(array_distinct(collect_list({{ x }}){{ cross_db_filter(where) }}))
    end
{%- endmacro %}
