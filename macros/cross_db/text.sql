{#-
    format_text(template, args): printf-style text with the same result on every engine. `template`
    is a Jinja string with %s (any value as text), %d (an integer), %g (a number, 6 significant
    digits: format_general), %.Nf (a number with N decimals: format_fixed) and %%; `args` are SQL
    expressions, one per placeholder. Like DuckDB's printf, the result is null when an argument is.
    Engines do not share a printf: PostgreSQL's format() has no number formats and Spark's
    format_string is Java's (%g prints '1.50000').
-#}
{% macro format_text(template, args) -%}
    {%- set pieces = modules.re.split('(%%|%s|%d|%g|%\\.[0-9]+f)', template) -%}
    {%- set placeholders = pieces[1::2] | reject('equalto', '%%') | list -%}
    {%- if placeholders | length != args | length -%}
        {{ exceptions.raise_compiler_error(
            "format_text: " ~ placeholders | length ~ " placeholders but " ~ args | length ~ " arguments in '" ~ template ~ "'"
        ) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- set literal = namespace(text='', arg=0) -%}
    {%- for piece in pieces -%}
        {%- if loop.index0 is even or piece == '%%' -%}
            {%- set literal.text = literal.text ~ (piece if loop.index0 is even else '%') -%}
        {%- else -%}
            {%- if literal.text %}{% do parts.append(sql_string(literal.text)) %}{% endif -%}
            {%- set literal.text = '' -%}
            {%- set arg = args[literal.arg] -%}
            {%- set literal.arg = literal.arg + 1 -%}
            {%- if piece == '%s' -%}
                {%- do parts.append('cast(' ~ arg ~ ' as ' ~ dbt.type_string() ~ ')') -%}
            {%- elif piece == '%d' -%}
                {%- do parts.append('cast(cast(' ~ arg ~ ' as bigint) as ' ~ dbt.type_string() ~ ')') -%}
            {%- elif piece == '%g' -%}
                {%- do parts.append(format_general(arg)) -%}
            {%- else -%}
                {%- do parts.append(format_fixed(arg, piece[2:-1] | int)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if literal.text or not parts %}{% do parts.append(sql_string(literal.text)) %}{% endif -%}
    ({{ parts | join(' || ') }})
{%- endmacro %}


{#-
    format_fixed(x, decimals): x rounded like round_double(x, decimals), written with exactly
    `decimals` decimals ('12.30'); 'inf', '-inf', 'nan' for those values (and the engine's own
    number text from 10^(37 - decimals) on). Ties follow round_double (half away from zero on
    x · 10^n), not C's printf, which rounds the exact binary value half to even:
    printf('%.1f', 0.25) = '0.2', here '0.3'.
-#}
{% macro format_fixed(x, decimals) -%}
    {%- set value -%}cast({{ x }} as {{ type_double() }}){%- endset -%}
    case
        when abs({{ value }}) < 1e{{ 37 - decimals }}
            then cast(cast({{ round_double(x, decimals) }} as decimal(38, {{ decimals }})) as {{ dbt.type_string() }})
        else {{ cross_db_special_double_text(value) }}
    end
{%- endmacro %}

{#- 'nan', 'inf', '-inf' (C's spelling) for those doubles, else the engine's own text of x. -#}
{% macro cross_db_special_double_text(value) -%}
    case
        when {{ value }} > cast('inf' as {{ type_double() }}) then 'nan'
        when {{ value }} = cast('inf' as {{ type_double() }}) then 'inf'
        when {{ value }} = cast('-inf' as {{ type_double() }}) then '-inf'
        else cast({{ value }} as {{ dbt.type_string() }})
    end
{%- endmacro %}


{#-
    format_general(x): C's %g with its default 6 significant digits: trailing zeros dropped,
    scientific ('1.23457e+06') below 1e-4 and from 1e6 on. The six digits are rounded half away
    from zero on x · 10^(5 - exponent) in double arithmetic, so results can differ from C's printf
    (exact binary value, half to even) on ties only. Written with portable functions only:
    `digits` is the six significant digits as a whole number, `exponent` the decimal exponent.
-#}
{% macro format_general(x) -%}
    {%- set value -%}cast({{ x }} as {{ type_double() }}){%- endset -%}
    {%- set magnitude -%}floor(log10(case when {{ value }} = 0 then 1 else abs({{ value }}) end)){%- endset -%}
    {%- set scaled -%}floor(abs({{ value }}) * power(10, 5 - {{ magnitude }}) + 0.5){%- endset -%}
    {#- rounding can carry into the next power of ten (999999.5 -> 1e+06) -#}
    {%- set carried -%}({{ scaled }} >= 1000000){%- endset -%}
    {%- set digits -%}
        cast(cast(case when {{ carried }} then 100000 else {{ scaled }} end as bigint) as {{ dbt.type_string() }})
    {%- endset -%}
    {%- set exponent -%}cast({{ magnitude }} + case when {{ carried }} then 1 else 0 end as integer){%- endset -%}
    case
        when {{ value }} = 0 then '0'
        when not abs({{ value }}) < cast('inf' as {{ type_double() }}) then {{ cross_db_special_double_text(value) }}
        else case when {{ value }} < 0 then '-' else '' end || case
            when {{ exponent }} >= 0 and {{ exponent }} < 6
                then {{ cross_db_strip_zeros(
                    'substr(' ~ digits ~ ', 1, ' ~ exponent ~ ' + 1) || \'.\' || substr(' ~ digits ~ ', ' ~ exponent ~ ' + 2)'
                ) }}
            when {{ exponent }} >= -4 and {{ exponent }} < 0
                then {{ cross_db_strip_zeros("'0.' || repeat('0', -1 - " ~ exponent ~ ") || " ~ digits) }}
            else
                {{ cross_db_strip_zeros('substr(' ~ digits ~ ', 1, 1) || \'.\' || substr(' ~ digits ~ ', 2)') }}
                || 'e' || case when {{ exponent }} < 0 then '-' else '+' end
                || lpad(cast(abs({{ exponent }}) as {{ dbt.type_string() }}), 2, '0')
        end
    end
{%- endmacro %}

{#- Drop trailing zeros, then a trailing point (the text always has a decimal point here). -#}
{% macro cross_db_strip_zeros(text) -%}
    trim(trailing '.' from trim(trailing '0' from {{ text }}))
{%- endmacro %}


{#- regexp_like(x, pattern): x contains a match of pattern (a SQL string literal). Keep patterns to
    the common subset of RE2 (DuckDB), POSIX ARE (PostgreSQL) and Java (Spark), and free of
    backslashes: Spark's string literals treat them as escapes. -#}
{% macro regexp_like(x, pattern) -%}
    {{ return(adapter.dispatch('regexp_like')(x, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(x, pattern) -%}
    regexp_matches({{ x }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__regexp_like(x, pattern) -%}
    ({{ x }} ~ {{ pattern }})
{%- endmacro %}

{% macro spark__regexp_like(x, pattern) -%}
    ({{ x }} rlike {{ pattern }})
{%- endmacro %}


{#- sql_string(text): a SQL string literal of a Jinja string (quotes and, on Spark, backslashes
    escaped; Spark would read 'a''b' as two adjacent literals 'a' 'b'). -#}
{% macro sql_string(text) -%}
    {{ return(adapter.dispatch('sql_string')(text)) }}
{%- endmacro %}

{% macro default__sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string(text) -%}
    '{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}


{#- array_text(array, separator): the array's elements joined by separator (a SQL string); nulls
    skipped, '' for an empty array, null for a null array. -#}
{% macro array_text(array, separator) -%}
    {{ return(adapter.dispatch('array_text')(array, separator)) }}
{%- endmacro %}

{% macro default__array_text(array, separator) -%}
    array_to_string({{ array }}, {{ separator }})
{%- endmacro %}

{% macro spark__array_text(array, separator) -%}
    array_join({{ array }}, {{ separator }})
{%- endmacro %}
