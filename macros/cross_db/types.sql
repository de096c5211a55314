{#-
    Type names that differ between the engines. dbt's own type macros cover the rest
    (dbt.type_string(), dbt.type_timestamp(), dbt.type_int(), dbt.type_bigint(), dbt.type_boolean()).
    Note: dbt.type_float() is a 4-byte REAL on DuckDB; use type_double() for DOUBLE everywhere.
-#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double') }}
{%- endmacro %}

{% macro postgres__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}


{#- A JSON document: JSON on DuckDB, json on PostgreSQL (keeps key order and text), a string on Spark. -#}
{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json')()) }}
{%- endmacro %}

{% macro default__type_json() -%}
    {{ return('json') }}
{%- endmacro %}

{% macro spark__type_json() -%}
    {{ return('string') }}
{%- endmacro %}


{#- An array of strings (DuckDB varchar[], PostgreSQL varchar[], Spark array<string>). -#}
{% macro type_string_array() -%}
    {{ return(adapter.dispatch('type_string_array')()) }}
{%- endmacro %}

{% macro default__type_string_array() -%}
    {{ return('varchar[]') }}
{%- endmacro %}

{% macro spark__type_string_array() -%}
    {{ return('array<string>') }}
{%- endmacro %}
