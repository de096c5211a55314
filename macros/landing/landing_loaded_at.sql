{#-
    landing_loaded_at(table_name)

    The `loaded_at_query` of the landing sources (`dbt source freshness`): when the newest file of
    `<landing_dir>/<table_name>/` landed, i.e. the latest modification time of its Parquet and CSV
    files, as read_landing counts them (hidden files still being written and empty files left
    out; a modification time in the future counts as now). No file: null, which dbt reports as
    an error. The landed rows carry no load-time column of their own, so the files' times are the
    truth. DuckDB only: the other engines do not read the landing files themselves.
-#}
{% macro landing_loaded_at(table_name) %}
    {{ return(adapter.dispatch('landing_loaded_at')(table_name)) }}
{% endmacro %}

{% macro duckdb__landing_loaded_at(table_name) %}
    {%- set table_dir = var('landing_dir') ~ '/' ~ table_name -%}
    select max(least(last_modified, now())) as max_loaded_at
    from read_blob([{{ landing_literals([table_dir ~ '/*.parquet', table_dir ~ '/*.csv']) }}])
    where size > 0 and not starts_with(parse_filename(filename), '.')
{% endmacro %}

{% macro default__landing_loaded_at(table_name) %}
    {{ exceptions.raise_compiler_error(
        "dbt source freshness of the landing files runs on DuckDB only (target type '" ~ target.type ~ "')"
    ) }}
{% endmacro %}
