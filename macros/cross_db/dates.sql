{#-
    Date and timestamp arithmetic that keeps its type on every engine. dbt.dateadd is not used for
    timestamps: on Spark it goes through unix seconds and drops the microseconds. dbt.datediff and
    dbt.date_trunc are fine (tested in integration_tests/) and stay the cross-database spelling of
    DuckDB's date_diff and date_trunc.
-#}

{#- date_add_days(date, days): a DATE `days` later (negative: earlier). -#}
{% macro date_add_days(date, days) -%}
    {{ return(adapter.dispatch('date_add_days')(date, days)) }}
{%- endmacro %}

{% macro default__date_add_days(date, days) -%}
    (cast({{ date }} as date) + cast({{ days }} as integer))
{%- endmacro %}

{% macro spark__date_add_days(date, days) -%}
    date_add(cast({{ date }} as date), cast({{ days }} as integer))
{%- endmacro %}


{#- timestamp_add(datepart, amount, timestamp): a TIMESTAMP moved by a whole number of
    day | hour | minute | second | millisecond | microsecond, microseconds kept. -#}
{% macro timestamp_add(datepart, amount, timestamp) -%}
    {%- if datepart not in ('day', 'hour', 'minute', 'second', 'millisecond', 'microsecond') -%}
        {{ exceptions.raise_compiler_error("timestamp_add: unsupported datepart '" ~ datepart ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('timestamp_add')(datepart, amount, timestamp)) }}
{%- endmacro %}

{% macro default__timestamp_add(datepart, amount, timestamp) -%}
    (cast({{ timestamp }} as timestamp) + to_{{ datepart }}s(cast({{ amount }} as bigint)))
{%- endmacro %}

{% macro postgres__timestamp_add(datepart, amount, timestamp) -%}
    (cast({{ timestamp }} as timestamp) + cast({{ amount }} as bigint) * interval '1 {{ datepart }}')
{%- endmacro %}

{% macro spark__timestamp_add(datepart, amount, timestamp) -%}
    timestampadd({{ datepart | upper }}, cast({{ amount }} as bigint), cast({{ timestamp }} as timestamp))
{%- endmacro %}


{#- date_text(x): a date or timestamp as 'YYYY-MM-DD'. -#}
{% macro date_text(x) -%}
    {{ return(adapter.dispatch('date_text')(x)) }}
{%- endmacro %}

{% macro default__date_text(x) -%}
    strftime({{ x }}, '%Y-%m-%d')
{%- endmacro %}

{% macro postgres__date_text(x) -%}
    to_char({{ x }}, 'YYYY-MM-DD')
{%- endmacro %}

{% macro spark__date_text(x) -%}
    date_format({{ x }}, 'yyyy-MM-dd')
{%- endmacro %}


{#- timestamp_text(x, separator='T'): a timestamp as 'YYYY-MM-DD<separator>HH:MM:SS', fractions of a
    second cut off (not rounded). Decision ids hash this text, so it must be equal on every engine. -#}
{% macro timestamp_text(x, separator='T') -%}
    {{ return(adapter.dispatch('timestamp_text')(x, separator)) }}
{%- endmacro %}

{% macro default__timestamp_text(x, separator) -%}
    strftime({{ x }}, '%Y-%m-%d{{ separator }}%H:%M:%S')
{%- endmacro %}

{% macro postgres__timestamp_text(x, separator) -%}
    to_char({{ x }}, 'YYYY-MM-DD"{{ separator }}"HH24:MI:SS')
{%- endmacro %}

{% macro spark__timestamp_text(x, separator) -%}
    date_format({{ x }}, "yyyy-MM-dd'{{ separator }}'HH:mm:ss")
{%- endmacro %}


{#-
    try_cast_timestamp(text): an ISO 8601 timestamp text as a UTC TIMESTAMP, null when unparseable.
    'YYYY-M-D', optionally 'T' or ' ' and 'H:MM[:SS[.fraction]]', optionally 'Z' or an offset
    (+HH, +HHMM, +HH:MM) which is converted to UTC; naive text is taken as UTC. Fractions beyond
    microseconds are cut. DuckDB's own casts decide there; the other engines check the same shape
    and the calendar first (PostgreSQL would raise on '2026-02-30', and both accept forms DuckDB
    does not, such as '2026' or 'Jan 2 2026').
-#}
{% macro try_cast_timestamp(text) -%}
    {{ return(adapter.dispatch('try_cast_timestamp')(text)) }}
{%- endmacro %}

{% macro cross_db_timestamp_pattern() -%}
    '^ *([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([T ]([0-9]{1,2}):([0-9]{2})(:([0-9]{2})([.][0-9]+)?)?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)? *$'
{%- endmacro %}

{% macro cross_db_offset_pattern() -%}
    '([+-][0-9]{2}(:?[0-9]{2})?|[zZ]) *$'
{%- endmacro %}

{% macro default__try_cast_timestamp(text) -%}
    case
        when regexp_matches(substr({{ text }}, 11), {{ cross_db_offset_pattern() }})
            then try_cast({{ text }} as timestamptz) at time zone 'UTC'
        else try_cast({{ text }} as timestamp)
    end
{%- endmacro %}

{% macro postgres__try_cast_timestamp(text) -%}
    {%- set parts -%}regexp_match({{ text }}, {{ cross_db_timestamp_pattern() }}){%- endset -%}
    case
        when {{ text }} ~ {{ cross_db_timestamp_pattern() }}
            then case
                when cast(({{ parts }})[2] as integer) between 1 and 12
                    and cast(({{ parts }})[3] as integer) between 1 and extract(day from (
                        make_date(cast(({{ parts }})[1] as integer), cast(({{ parts }})[2] as integer), 1)
                        + interval '1 month' - interval '1 day'
                    ))
                    and coalesce(cast(({{ parts }})[5] as integer), 0) <= 24
                    and coalesce(cast(({{ parts }})[6] as integer), 0) <= 59
                    and coalesce(cast(({{ parts }})[8] as integer), 0) <= 59
                    and (
                        coalesce(cast(({{ parts }})[5] as integer), 0) < 24
                        or (cast(({{ parts }})[6] as integer) = 0 and coalesce(cast(({{ parts }})[8] as integer), 0) = 0)
                    )
                    then case
                        when substr({{ text }}, 11) ~ {{ cross_db_offset_pattern() }}
                            then cast({{ text }} as timestamptz) at time zone 'UTC'
                        else cast({{ text }} as timestamp)
                    end
            end
    end
{%- endmacro %}

{% macro spark__try_cast_timestamp(text) -%}
    {#- Spark's own parser takes these forms (its session time zone is UTC, see profiles.yml) except
        hour 24, which DuckDB and PostgreSQL read as midnight of the next day. -#}
    case
        when {{ text }} rlike {{ cross_db_timestamp_pattern() }}
            then case
                when {{ text }} rlike '[T ]24:00(:00([.]0+)?)?([^0-9]|$)'
                    then timestampadd(DAY, 1, try_cast(concat(
                        regexp_extract({{ text }}, '^ *([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})', 1),
                        ' 00:00:00',
                        regexp_extract({{ text }}, '24:00(:00([.]0+)?)?(.*)$', 3)
                    ) as timestamp))
                when {{ text }} rlike '[T ]24:'
                    then null
                else try_cast(trim({{ text }}) as timestamp)
            end
    end
{%- endmacro %}


{#-
    day_series(start_date, end_date): a select-list expression that turns each row into one row per
    calendar day from start_date to end_date inclusive (none when start > end or either is null),
    typed DATE. Use it as `{{ day_series(a, b) }} as day`, never inside another expression: Spark
    accepts a generator only at the top of a select item.
-#}
{% macro day_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_series')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_series(start_date, end_date) -%}
    cast(unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date)
{%- endmacro %}

{% macro postgres__day_series(start_date, end_date) -%}
    cast(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 day') as date)
{%- endmacro %}

{% macro spark__day_series(start_date, end_date) -%}
    explode(case
        when cast({{ start_date }} as date) <= cast({{ end_date }} as date)
            then sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)
    end)
{%- endmacro %}


{#- int_series(first, last): like day_series, one row per integer from first to last inclusive (bigint). -#}
{% macro int_series(first, last) -%}
    {{ return(adapter.dispatch('int_series')(first, last)) }}
{%- endmacro %}

{% macro default__int_series(first, last) -%}
    unnest(generate_series(cast({{ first }} as bigint), cast({{ last }} as bigint)))
{%- endmacro %}

{% macro postgres__int_series(first, last) -%}
    generate_series(cast({{ first }} as bigint), cast({{ last }} as bigint))
{%- endmacro %}

{% macro spark__int_series(first, last) -%}
    explode(case
        when {{ first }} <= {{ last }} then sequence(cast({{ first }} as bigint), cast({{ last }} as bigint))
    end)
{%- endmacro %}
