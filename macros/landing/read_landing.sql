{#-
    read_landing(table_name, columns, optional_columns=[], exclude_files=[])

    Every landed row of one landing table (docs/landing-contract.md) as a parenthesised subquery:
    the contract columns as trimmed VARCHAR ('' becomes null), plus
      _source_file  the file path as globbed under var('landing_dir'),
      _source_row   the 1-based data row in that file (the CSV header is not counted),
      _landed_at    the file's landing time (UTC): its modification time, or this invocation's
                    start when that is earlier (see landing_values.sql),
      _read_error   null, or why a CSV row could not be read as a row of its header's shape
                    (quarantined by the base models with this reason alone).
    Parquet (`<landing_dir>/<table>/*.parquet`) and CSV (`*.csv`) files may sit side by side;
    hidden files (name starting with '.') are files still being written and are not read, and an
    empty file (0 bytes, or a CSV without even a header line) is skipped with a warning.
    Extra columns are ignored. A file that lacks a column of `columns` stops the run with a message
    naming table, file and column; `optional_columns` missing from a file are null.
    No file at all (or parse time): a typed empty relation with the same columns.
    `exclude_files` (paths as in _source_file) are skipped: incremental models pass the files they
    already loaded, so only new landing files are read.

    CSV files are read with the columns of their own header, never with a guessed dialect: the
    delimiter is the one of `,` `;` tab `|` that splits the header into the most contract columns;
    fields may be quoted with `"` (doubled inside), quoted fields may hold delimiters and line
    breaks, CRLF and a UTF-8 byte-order mark are fine. Every field is read as text, so a row is
    only ever rejected for its shape: a row with more or fewer fields than the header, or with
    bytes that are not UTF-8, is quarantined with the reason. Files are read one by one
    `with ordinality` (read_csv has no file_row_number).
-#}
{% macro read_landing(table_name, columns, optional_columns=[], exclude_files=[]) %}
    {%- set all_columns = columns + optional_columns -%}
    {%- set files = landing_listing(table_name, exclude_files) -%}
    {%- set parquet_files = files | selectattr('kind', 'equalto', 'parquet') | list -%}
    {%- set csv_layouts = landing_csv_layouts(files | selectattr('kind', 'equalto', 'csv') | list, all_columns) -%}
    {%- set parquet_columns = landing_parquet_columns(parquet_files) -%}
    {%- set missing = [] -%}
    {%- for file, present in parquet_columns.items() -%}
        {%- for column in columns if column not in present -%}
            {%- do missing.append("file '" ~ file ~ "' lacks contract column '" ~ column ~ "'") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for layout in csv_layouts -%}
        {%- for column in columns if column not in layout.header -%}
            {%- do missing.append("file '" ~ layout.path ~ "' lacks contract column '" ~ column ~ "'") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "landing table '" ~ table_name ~ "': " ~ missing | join('; ')
            ~ ". Expected columns: " ~ columns | join(', ') ~ "."
        ) }}
    {%- endif -%}
    {%- set rejects = landing_csv_rejects(csv_layouts) -%}
    (
    {%- if not parquet_files and not csv_layouts %}
        select
            {%- for column in all_columns %}
            cast(null as varchar) as {{ column }},
            {%- endfor %}
            cast(null as varchar) as _source_file,
            cast(null as bigint) as _source_row,
            cast(null as timestamp) as _landed_at,
            cast(null as varchar) as _read_error
        where false
    {%- endif %}
    {%- if parquet_files %}
        {%- set parquet_present = [] -%}
        {%- for file in parquet_files -%}
            {%- do parquet_present.extend(parquet_columns[file.path]) -%}
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
            file_row_number + 1 as _source_row,
            case filename
                {%- for file in parquet_files %}
                when {{ landing_literal(file.path) }} then timestamp '{{ file.landed_at }}'
                {%- endfor %}
            end as _landed_at,
            cast(null as varchar) as _read_error
        from read_parquet(
            [{{ landing_literals(parquet_files | map(attribute='path') | list) }}],
            union_by_name = true,
            filename = true,
            file_row_number = true
        )
    {%- endif %}
    {%- for layout in csv_layouts %}
        {%- if parquet_files or not loop.first %}
        union all
        {%- endif %}
        {{ landing_csv_select(layout, all_columns, rejects.get(layout.path, [])) }}
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


{#- The table's landing files to read: [{path, kind, landed_at}], sorted by path; hidden files
    and `exclude_files` left out, empty files skipped with a warning. Nothing at parse time. -#}
{% macro landing_listing(table_name, exclude_files=[]) %}
    {%- set files = [] -%}
    {%- if execute -%}
        {%- set table_dir = var('landing_dir') ~ '/' ~ table_name -%}
        {%- set listing = run_query(
            "select filename, size, strftime(least(last_modified at time zone 'UTC', "
            ~ landing_load_time() ~ "), '%Y-%m-%d %H:%M:%S') as landed_at"
            ~ " from read_blob([" ~ landing_literals([table_dir ~ '/*.parquet', table_dir ~ '/*.csv'])
            ~ "]) order by filename"
        ) -%}
        {%- for row in listing.rows
            if row[0] not in exclude_files and not row[0].split('/')[-1].startswith('.') -%}
            {%- if row[1] == 0 -%}
                {%- do exceptions.warn("stockops: skipped empty landing file '" ~ row[0] ~ "' (0 bytes)") -%}
            {%- else -%}
                {%- do files.append({
                    'path': row[0],
                    'kind': 'parquet' if row[0].endswith('.parquet') else 'csv',
                    'landed_at': row[2],
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{#- {file: [lower-cased column names]} from the Parquet files' metadata; one query. -#}
{% macro landing_parquet_columns(parquet_files) %}
    {%- set file_columns = {} -%}
    {%- for file in parquet_files -%}
        {%- do file_columns.update({file.path: []}) -%}
    {%- endfor -%}
    {%- if parquet_files -%}
        {%- set result = run_query(
            "select file_name, lower(name) from parquet_schema(["
            ~ landing_literals(parquet_files | map(attribute='path') | list) ~ "])"
        ) -%}
        {%- for row in result.rows -%}
            {%- do file_columns[row[0]].append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(file_columns) }}
{%- endmacro %}


{#-
    Each CSV file's layout from its first line: {path, landed_at, delimiter, header (lower-cased
    names, quotes and blanks stripped), width}. The delimiter is the candidate that splits the
    header into the most distinct names of `columns` (ties: the earlier candidate).
    A file without a header line is skipped with a warning; a header that is not UTF-8 or names a
    column twice stops the run. One query for all files (the header lines only).
-#}
{% macro landing_csv_layouts(csv_files, columns) %}
    {%- set layouts = [] -%}
    {%- if not csv_files -%}
        {{ return(layouts) }}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for file in csv_files -%}
        {%- do selects.append(
            "select " ~ landing_literal(file.path) ~ " as file, line from (select line from read_csv("
            ~ landing_literal(file.path) ~ ", auto_detect = false, header = false, delim = chr(31),"
            ~ " quote = '', escape = '', columns = {'line': 'varchar'}, strict_mode = false,"
            ~ " ignore_errors = true, store_rejects = true,"
            ~ " rejects_table = 'stockops_header_rejects', rejects_scan = 'stockops_header_scans')"
            ~ " limit 1)"
        ) -%}
    {%- endfor -%}
    {%- set result = run_query(
        "drop table if exists stockops_header_rejects; drop table if exists stockops_header_scans;"
        ~ " create or replace temp table stockops_headers as " ~ selects | join(' union all ') ~ ";"
        ~ " select headers.file, headers.line, exists ("
        ~ "select 1 from stockops_header_rejects as rejects"
        ~ " inner join stockops_header_scans as scans using (scan_id, file_id)"
        ~ " where scans.file_path = headers.file and rejects.line = 1) as unreadable"
        ~ " from stockops_headers as headers"
    ) -%}
    {%- set lines = {} -%}
    {%- for row in result.rows -%}
        {%- if row[2] -%}
            {{ exceptions.raise_compiler_error(
                "landing file '" ~ row[0] ~ "' line 1: the header is not valid UTF-8 text; save the file as UTF-8"
            ) }}
        {%- endif -%}
        {%- do lines.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- for file in csv_files -%}
        {%- set line = (lines.get(file.path) or '').replace('\ufeff', '') -%}
        {%- if not line.strip() -%}
            {%- do exceptions.warn("stockops: skipped landing file '" ~ file.path ~ "': no header line") -%}
        {%- else -%}
            {%- set best = namespace(delimiter=',', header=[], score=-1) -%}
            {%- for delimiter in [',', ';', '\t', '|'] -%}
                {%- set header = [] -%}
                {%- for name in line.split(delimiter) -%}
                    {%- do header.append(name.strip().strip('"').strip().lower()) -%}
                {%- endfor -%}
                {%- set score = header | select('in', columns) | unique | list | length -%}
                {%- if score > best.score -%}
                    {%- set best.delimiter = delimiter -%}
                    {%- set best.header = header -%}
                    {%- set best.score = score -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for name in best.header | select('in', columns) | unique -%}
                {%- if best.header | select('equalto', name) | list | length > 1 -%}
                    {{ exceptions.raise_compiler_error(
                        "landing file '" ~ file.path ~ "': the header names column '" ~ name ~ "' more than once"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- do layouts.append({
                'path': file.path,
                'landed_at': file.landed_at,
                'delimiter': best.delimiter,
                'header': best.header,
                'width': best.header | length,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(layouts) }}
{%- endmacro %}




{#- The read_csv call for one CSV layout: positional text columns c1..cN for the header's N
    fields plus _extra (a row's field N+1, when it has one); fields missing from a short row are
    null (an empty field is '', because nullstr is a control character). -#}
{% macro landing_csv_read(layout, extra_options='') -%}
    read_csv(
            {{ landing_literal(layout.path) }},
            auto_detect = false,
            header = false,
            skip = 1,
            delim = {{ "chr(9)" if layout.delimiter == '\t' else landing_literal(layout.delimiter) }},
            quote = '"',
            escape = '"',
            columns = {
                {%- for name in layout.header %}'c{{ loop.index }}': 'varchar', {% endfor -%}
                '_extra': 'varchar'
            },
            null_padding = true,
            nullstr = chr(1),
            strict_mode = false,
            parallel = false{{ extra_options }}
        )
{%- endmacro %}


{#-
    {file: [{row, line, message}]}: the rows of each CSV file that cannot be read as text at all
    (bytes that are not UTF-8), found by one scan of every file that keeps DuckDB's rejects.
    `row` is the data row (the reported line minus the header), `line` DuckDB's line number.
-#}
{% macro landing_csv_rejects(csv_layouts) %}
    {%- set rejects = {} -%}
    {%- if not csv_layouts -%}
        {{ return(rejects) }}
    {%- endif -%}
    {%- set scans = [] -%}
    {%- for layout in csv_layouts -%}
        {%- do scans.append(
            "select max(length(concat(" ~ landing_csv_fields(layout) ~ ", _extra))) as longest from "
            ~ landing_csv_read(
                layout,
                ", ignore_errors = true, store_rejects = true,"
                ~ " rejects_table = 'stockops_csv_rejects', rejects_scan = 'stockops_csv_scans'"
            )
        ) -%}
    {%- endfor -%}
    {%- set result = run_query(
        "drop table if exists stockops_csv_rejects; drop table if exists stockops_csv_scans;"
        ~ " select max(longest) from (" ~ scans | join(' union all ') ~ ");"
        ~ " select scans.file_path, rejects.line, any_value(rejects.error_type),"
        ~ " any_value(rejects.error_message)"
        ~ " from stockops_csv_rejects as rejects"
        ~ " inner join stockops_csv_scans as scans using (scan_id, file_id)"
        ~ " group by all order by 1, 2"
    ) -%}
    {%- for row in result.rows -%}
        {%- do rejects.setdefault(row[0], []).append({
            'row': row[1] - 1,
            'line': row[1],
            'message': (
                'not valid UTF-8 text; save the file as UTF-8' if row[2] == 'INVALID ENCODING'
                else (row[3] or row[2]).split('\n')[0]
            ),
        }) -%}
    {%- endfor -%}
    {{ return(rejects) }}
{%- endmacro %}


{#- The positional field columns of a CSV layout: c1, c2, ..., cN. -#}
{% macro landing_csv_fields(layout) -%}
    {%- for n in range(1, layout.width + 1) %}c{{ n }}{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}


{#- The rows of one CSV file (see read_landing), including its unreadable rows (`rejected`). -#}
{% macro landing_csv_select(layout, all_columns, rejected) -%}
    {%- set width = layout.width -%}
    {#- the delimiter inside a regular expression -#}
    {%- set delimiter = {',': ',', ';': ';', '\t': '\\t', '|': '\\|'}[layout.delimiter] -%}
    select
        {%- for column in all_columns %}
        {%- if column in layout.header %}
        nullif(trim(c{{ layout.header.index(column) + 1 }}), '') as {{ column }},
        {%- else %}
        cast(null as varchar) as {{ column }},
        {%- endif %}
        {%- endfor %}
        {{ landing_literal(layout.path) }} as _source_file,
        {%- if rejected %}
        -- rows after an unreadable one keep their position in the file
        ordinality + len(list_filter([
            {%- for reject in rejected %}{{ reject.row - loop.index0 }}{{ ', ' if not loop.last }}{% endfor -%}
        ], lambda skipped: skipped <= ordinality)) as _source_row,
        {%- else %}
        ordinality as _source_row,
        {%- endif %}
        timestamp '{{ layout.landed_at }}' as _landed_at,
        case
            when c{{ width }} is null
                then 'malformed CSV row: fewer fields than the header''s {{ width }}'
                || case
                    when concat({{ landing_csv_fields(layout) }}) like '%' || chr(10) || '%'
                        then ' (a quoted field runs over several lines: is a closing quote missing?)'
                    else ''
                end
            when _extra is not null then 'malformed CSV row: more fields than the header''s {{ width }}'
            -- an unterminated quote in the last field swallows the rows after it
            when regexp_matches(
                concat({{ landing_csv_fields(layout) }}),
                '\n([^\n{{ delimiter }}]*{{ delimiter }}){{ '{' ~ (width - 1) ~ '}' }}'
            )
                then 'malformed CSV row: a quoted field runs over several lines and holds what look '
                || 'like further rows (is a closing quote missing?)'
        end as _read_error
    from {{ landing_csv_read(layout, ', ignore_errors = true' if rejected else '') }} with ordinality
    -- a line of blanks is no row
    where not (trim(c1) = '' and c2 is null)
    {%- for reject in rejected %}
    union all
    select
        {%- for column in all_columns %}
        cast(null as varchar) as {{ column }},
        {%- endfor %}
        {{ landing_literal(layout.path) }} as _source_file,
        {{ reject.row }} as _source_row,
        timestamp '{{ layout.landed_at }}' as _landed_at,
        {{ landing_literal('unreadable CSV row (line ' ~ reject.line ~ '): ' ~ reject.message) }} as _read_error
    {%- endfor %}
{%- endmacro %}
