{#-
    read_landing(table_name, columns, optional_columns=[], exclude_files=[])

    Every landed row of one landing table (docs/landing-contract.md) as a parenthesised subquery:
    the contract columns as trimmed VARCHAR ('' becomes null), plus
      _source_file  the file path as globbed under var('landing_dir'),
      _source_row   the 1-based data row in that file (the CSV header is not counted).
    Parquet (`<landing_dir>/<table>/*.parquet`) and CSV (`*.csv`) files may sit side by side.
    Extra columns are ignored. A file that lacks a column of `columns` stops the run with a message
    naming table, file and column; `optional_columns` missing from a file are null.
    No file at all (or parse time): a typed empty relation with the same columns.
    `exclude_files` (paths as in _source_file) are skipped: incremental models pass the files they
    already loaded, so only new landing files are read.

    CSV files are read one by one `with ordinality`, because read_csv has no file_row_number; the
    file list is fixed once at execute time, so the files that were checked are the files read.
-#}
{% macro read_landing(table_name, columns, optional_columns=[], exclude_files=[]) %}
    {%- set all_columns = columns + optional_columns -%}
    {%- set table_dir = var('landing_dir') ~ '/' ~ table_name -%}
    {%- set parquet_files = [] -%}
    {%- set csv_files = [] -%}
    {%- if execute -%}
        {%- set listing = run_query(
            "select file from glob(" ~ landing_literal(table_dir ~ '/*.parquet') ~ ")"
            ~ " union all select file from glob(" ~ landing_literal(table_dir ~ '/*.csv') ~ ")"
            ~ " order by file"
        ) -%}
        {%- for file in listing.columns[0].values() if file not in exclude_files -%}
            {%- if file.endswith('.parquet') -%}
                {%- do parquet_files.append(file) -%}
            {%- else -%}
                {%- do csv_files.append(file) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set file_columns = landing_file_columns(parquet_files, csv_files) -%}
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
    (
    {%- if not parquet_files and not csv_files %}
        select
            {%- for column in all_columns %}
            cast(null as varchar) as {{ column }},
            {%- endfor %}
            cast(null as varchar) as _source_file,
            cast(null as bigint) as _source_row
        where false
    {%- endif %}
    {%- if parquet_files %}
        {%- set parquet_present = [] -%}
        {%- for file in parquet_files -%}
            {%- do parquet_present.extend(file_columns[file]) -%}
        {%- endfor %}
        select
            {%- for column in all_columns %}
            {%- if column in parquet_present %}
            nullif(trim(cast({{ column }} as varchar)), '') as {{ column }},
            {%- else %}
            cast(null as varchar) as {{ column }},
            {%- endif %}
            {%- endfor %}
            filename as _source_file,
            file_row_number + 1 as _source_row
        from read_parquet(
            [{{ landing_literals(parquet_files) }}],
            union_by_name = true,
            filename = true,
            file_row_number = true
        )
    {%- endif %}
    {%- for file in csv_files %}
        {%- if parquet_files or not loop.first %}
        union all
        {%- endif %}
        select
            {%- for column in all_columns %}
            {%- if column in file_columns[file] %}
            nullif(trim({{ column }}), '') as {{ column }},
            {%- else %}
            cast(null as varchar) as {{ column }},
            {%- endif %}
            {%- endfor %}
            filename as _source_file,
            ordinality as _source_row
        from read_csv(
            {{ landing_literal(file) }},
            all_varchar = true,
            header = true,
            union_by_name = true,
            filename = true
        ) with ordinality
    {%- endfor %}
    )
{%- endmacro %}


{#- A SQL string literal. -#}
{% macro landing_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}


{#- Comma-separated SQL string literals. -#}
{% macro landing_literals(values) -%}
    {%- for value in values -%}{{ landing_literal(value) }}{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}


{#- {file: [lower-cased column names]} from Parquet metadata and the CSV headers; one query. -#}
{% macro landing_file_columns(parquet_files, csv_files) %}
    {%- set selects = [] -%}
    {%- if parquet_files -%}
        {%- do selects.append(
            "select file_name as file, lower(name) as column_name from parquet_schema(["
            ~ landing_literals(parquet_files) ~ "])"
        ) -%}
    {%- endif -%}
    {%- for file in csv_files -%}
        {%- do selects.append(
            "select " ~ landing_literal(file) ~ " as file, lower(unnest(columns).name) as column_name"
            ~ " from sniff_csv(" ~ landing_literal(file) ~ ", header = true)"
        ) -%}
    {%- endfor -%}
    {%- set file_columns = {} -%}
    {%- for file in parquet_files + csv_files -%}
        {%- do file_columns.update({file: []}) -%}
    {%- endfor -%}
    {%- if selects -%}
        {%- set result = run_query(selects | join(' union all ')) -%}
        {%- for row in result.rows -%}
            {%- do file_columns[row[0]].append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(file_columns) }}
{%- endmacro %}


{#-
    A landed timestamp string as a UTC TIMESTAMP (null when unparseable). Strings with an offset
    (`+02:00`, `-0530`, `+00`, `Z`) are converted to UTC; naive strings are taken as UTC whatever
    the session time zone. ISO 8601 with 'T' or a space, with or without fractional seconds.
-#}
{% macro landing_timestamp(raw) -%}
    case
            when substr({{ raw }}, 11) similar to '.*([+-][0-9]{2}(:?[0-9]{2})?|[zZ])'
                then try_cast({{ raw }} as timestamptz) at time zone 'UTC'
            else try_cast({{ raw }} as timestamp)
        end
{%- endmacro %}


{#- A landed integer string as INTEGER; null when unparseable or not a whole number ('1.5'). -#}
{% macro landing_integer(raw) -%}
    case
            when try_cast({{ raw }} as double) = trunc(try_cast({{ raw }} as double))
                then try_cast(try_cast({{ raw }} as double) as integer)
        end
{%- endmacro %}
