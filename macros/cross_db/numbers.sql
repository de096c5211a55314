{#-
    round_double(x, digits): x rounded to `digits` decimals as a double, exactly as DuckDB's
    round(DOUBLE, n) does it: round(x · 10^n) half away from zero, divided by 10^n, in double
    arithmetic (so 0.285 -> 0.28, because 0.285 · 100 is 28.499999999999996 in binary; 2.675 -> 2.68).
    PostgreSQL has no round(double precision, int) and Spark rounds the shortest decimal
    representation instead (0.285 -> 0.29); both get the DuckDB arithmetic spelled out. `digits` may
    be an expression. (The one double the spelled-out form rounds differently is x · 10^n =
    0.49999999999999994, which std::round takes to 0.)
-#}
{% macro round_double(x, digits) -%}
    {{ return(adapter.dispatch('round_double')(x, digits)) }}
{%- endmacro %}

{% macro duckdb__round_double(x, digits) -%}
    round(cast({{ x }} as double), cast({{ digits }} as integer))
{%- endmacro %}

{% macro default__round_double(x, digits) -%}
    {#- from 2^52 on every double is a whole number: nothing to round (and Spark's floor is a bigint) -#}
    {%- set scaled -%}(cast({{ x }} as {{ type_double() }}) * power(10, {{ digits }})){%- endset -%}
    (case
        when abs({{ scaled }}) < 4503599627370496 then sign({{ scaled }}) * floor(abs({{ scaled }}) + 0.5)
        else {{ scaled }}
    end / power(10, {{ digits }}))
{%- endmacro %}


{#-
    try_cast_double(text): the text as a double, null when it is not a number. DuckDB's try_cast;
    the other engines accept the same plain forms ([+-]digits[.digits][e[+-]digits], 'inf',
    'infinity', 'nan' in any case, surrounding spaces) and nothing else (Spark's own cast would also
    take '1.5d'). Known differences, all on exotic input: DuckDB also accepts digit separators
    ('1_000'); PostgreSQL gives null for decimal exponents beyond ±300 where DuckDB gives inf or 0.
-#}
{% macro try_cast_double(text) -%}
    {{ return(adapter.dispatch('try_cast_double')(text)) }}
{%- endmacro %}

{% macro default__try_cast_double(text) -%}
    try_cast({{ text }} as {{ type_double() }})
{%- endmacro %}

{% macro cross_db_number_pattern() -%}
    '^ *[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,4})? *$'
{%- endmacro %}

{% macro cross_db_special_doubles() -%}
    ('inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity', 'nan')
{%- endmacro %}

{% macro postgres__try_cast_double(text) -%}
    case
        when {{ text }} ~ {{ cross_db_number_pattern() }}
            then case
                when coalesce(abs(cast(substring({{ text }} from '[eE]([+-]?[0-9]+)') as integer)), 0) <= 300
                    then cast({{ text }} as double precision)
            end
        when lower(trim({{ text }})) in {{ cross_db_special_doubles() }}
            then cast(trim({{ text }}) as double precision)
    end
{%- endmacro %}

{% macro spark__try_cast_double(text) -%}
    case
        when {{ text }} rlike {{ cross_db_number_pattern() }}
            or lower(trim({{ text }})) in {{ cross_db_special_doubles() }}
            then try_cast(trim({{ text }}) as double)
    end
{%- endmacro %}


{#-
    divide(numerator, denominator): numerator / denominator as a double; null when the denominator
    is 0 or null. The engines disagree on both halves otherwise: PostgreSQL divides integers as
    integers (7 / 2 = 3) and raises on / 0, Spark in ANSI mode raises on / 0, DuckDB returns ±inf/nan.
-#}
{% macro divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}
