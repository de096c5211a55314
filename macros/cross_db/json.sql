{#-
    json_object(pairs): a JSON object text from [key, SQL expression] pairs, keys in order, null
    values kept. Numbers, booleans, strings and nulls come out alike on every engine as JSON values
    (the number text may differ: 100.0 on DuckDB and Spark, 100 on PostgreSQL). Timestamps do not:
    pass them through timestamp_text(x, ' ') first.
-#}
{% macro json_object(pairs) -%}
    {{ return(adapter.dispatch('json_object')(pairs)) }}
{%- endmacro %}

{% macro default__json_object(pairs) -%}
    json_object({% for key, value in pairs %}{{ sql_string(key) }}, {{ value }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro postgres__json_object(pairs) -%}
    json_build_object({% for key, value in pairs %}{{ sql_string(key) }}, {{ value }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__json_object(pairs) -%}
    to_json(
        named_struct({% for key, value in pairs %}{{ sql_string(key) }}, {{ value }}{{ ', ' if not loop.last }}{% endfor %}),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}


{#- json_text(document, key): the top-level `key` of a JSON object as text (strings unquoted),
    null when absent or JSON null (DuckDB's document ->> 'key'). -#}
{% macro json_text(document, key) -%}
    {{ return(adapter.dispatch('json_text')(document, key)) }}
{%- endmacro %}

{% macro default__json_text(document, key) -%}
    ({{ document }} ->> {{ sql_string(key) }})
{%- endmacro %}

{% macro postgres__json_text(document, key) -%}
    (cast({{ document }} as json) ->> {{ sql_string(key) }})
{%- endmacro %}

{% macro spark__json_text(document, key) -%}
    get_json_object({{ document }}, {{ sql_string('$.' ~ key) }})
{%- endmacro %}
