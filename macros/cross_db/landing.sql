{#-
    landing_relation(table_name, columns, optional_columns=[], exclude_files=[])

    read_landing (macros/landing/read_landing.sql) for every engine: the same columns (contract
    columns as trimmed text, '' as null, then _source_file and _source_row), the same file names in
    _source_file, the same missing-column error. DuckDB reads the files itself (read_landing);
    PostgreSQL reads the tables that stockops.engines.postgres_landing loaded (it cannot read
    Parquet); Spark reads the files from the landing directory, one relation per file.
-#}
{% macro landing_relation(table_name, columns, optional_columns=[], exclude_files=[]) %}
    {{ return(adapter.dispatch('landing_relation')(table_name, columns, optional_columns, exclude_files)) }}
{% endmacro %}

{#- read_landing on DuckDB also gives each row its file's landing time and a CSV read error
    (_landed_at, _read_error); the other engines do not have them yet (docs/engines.md), so the
    cross-engine relation keeps to the columns all three give. -#}
{% macro duckdb__landing_relation(table_name, columns, optional_columns, exclude_files) %}
    {%- set shared = (columns + optional_columns + ['_source_file', '_source_row']) | join(', ') -%}
    {{ return('(select ' ~ shared ~ ' from '
        ~ read_landing(table_name, columns, optional_columns, exclude_files) ~ ' as read_landing)') }}
{% endmacro %}


{#- The error read_landing raises for files that lack contract columns ({file: [columns]}). -#}
{% macro landing_check_columns(table_name, columns, file_columns) %}
    {%- set missing = [] -%}
    {%- for file, present in file_columns.items() -%}
        {%- for column in columns if column not in present -%}
            {%- do missing.append("file '" ~ file ~ "' lacks contract column '" ~ column ~ "'") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "landing table '" ~ table_name ~ "': " ~ missing | join('; ')
            ~ ". Expected columns: " ~ columns | join(', ') ~ "."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- The typed empty relation of a landing table without files (and at parse time). -#}
{% macro landing_empty_relation(all_columns) %}
        select
            {%- for column in all_columns %}
            cast(null as {{ dbt.type_string() }}) as {{ column }},
            {%- endfor %}
            cast(null as {{ dbt.type_string() }}) as _source_file,
            cast(null as bigint) as _source_row
        where 1 = 0
{% endmacro %}


{% macro postgres__landing_relation(table_name, columns, optional_columns, exclude_files) %}
    {%- set all_columns = columns + optional_columns -%}
    {%- set file_columns = {} -%}
    {%- set table_columns = [] -%}
    {%- if execute -%}
        {%- set loaded = run_query(
            "select file, array_to_string(columns, ',') from landing._landed_files"
            ~ " where table_name = " ~ sql_string(table_name) ~ " order by file"
        ) -%}
        {%- for file, names in loaded.rows if file not in exclude_files -%}
            {%- set present = names.split(',') if names else [] -%}
            {%- do file_columns.update({file: present}) -%}
            {%- do table_columns.extend(present) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ landing_check_columns(table_name, columns, file_columns) }}
    (
    {%- if not file_columns %}
        {{ landing_empty_relation(all_columns) }}
    {%- else %}
        select
            {%- for column in all_columns %}
            {%- if column in table_columns %}
            nullif(trim({{ adapter.quote(column) }}), '') as {{ column }},
            {%- else %}
            cast(null as varchar) as {{ column }},
            {%- endif %}
            {%- endfor %}
            _source_file,
            _source_row
        from landing.{{ adapter.quote(table_name) }}
        {%- if exclude_files %}
        where _source_file not in ({% for file in exclude_files %}{{ sql_string(file) }}{{ ', ' if not loop.last }}{% endfor %})
        {%- endif %}
    {%- endif %}
    )
{% endmacro %}


{#-
    Spark lists the landing directory with the binaryFile source (names only; contents are not
    read; the directory must exist, a table folder need not), asks each file for its columns, and unions one select per file: Parquet rows are numbered
    by _metadata.row_index; a CSV file is read whole (multiLine, so quoted line breaks work and the
    file is one partition) and numbered in read order. CSV files must be comma-separated with '"'
    quotes and "" escapes (RFC 4180); DuckDB would also sniff other dialects.
-#}
{% macro spark__landing_relation(table_name, columns, optional_columns, exclude_files) %}
    {%- set all_columns = columns + optional_columns -%}
    {%- set table_dir = var('landing_dir') ~ '/' ~ table_name -%}
    {%- set file_columns = {} -%}
    {%- set file_paths = {} -%}
    {%- if execute -%}
        {%- set listing = run_query(
            "select path from binaryFile.`" ~ var('landing_dir') ~ "`"
            ~ " with ('recursiveFileLookup' = 'true', 'pathGlobFilter' = '*.{parquet,csv}')"
        ) -%}
        {%- set landing_name = var('landing_dir').rstrip('/').split('/')[-1] -%}
        {%- for path in listing.columns[0].values() | sort -%}
            {#- paths come back as absolute URIs (file:/..., s3a://...): keep the files directly in
                <landing_dir>/<table_name>/ and name them as DuckDB's glob does -#}
            {%- set parts = path.split('/') -%}
            {%- set file = table_dir ~ '/' ~ parts[-1] -%}
            {%- if parts[-2:-1] == [table_name] and parts[-3:-2] == [landing_name] and file not in exclude_files -%}
                {%- set reader = landing_spark_reader(file) -%}
                {%- set probe = run_query("select * from " ~ reader ~ " limit 0") -%}
                {%- do file_columns.update({file: probe.column_names | map('lower') | list}) -%}
                {%- do file_paths.update({file: reader}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ landing_check_columns(table_name, columns, file_columns) }}
    (
    {%- if not file_columns %}
        {{ landing_empty_relation(all_columns) }}
    {%- endif %}
    {%- for file in file_columns | sort %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select
            {%- for column in all_columns %}
            {%- if column in file_columns[file] %}
            nullif(trim(cast(`{{ column }}` as string)), '') as {{ column }},
            {%- else %}
            cast(null as string) as {{ column }},
            {%- endif %}
            {%- endfor %}
            {{ sql_string(file) }} as _source_file,
            {%- if file.endswith('.parquet') %}
            _metadata.row_index + 1 as _source_row
            {%- else %}
            row_number() over (order by monotonically_increasing_id()) as _source_row
            {%- endif %}
        from {{ file_paths[file] }}
    {%- endfor %}
    )
{% endmacro %}

{#- The Spark SQL relation that reads one landing file. -#}
{% macro landing_spark_reader(file) %}
    {%- if file.endswith('.parquet') -%}
        {{ return('parquet.`' ~ file ~ '`') }}
    {%- else -%}
        {{ return("csv.`" ~ file ~ "` with ('header' = 'true', 'multiLine' = 'true', 'escape' = '\"')") }}
    {%- endif -%}
{% endmacro %}
