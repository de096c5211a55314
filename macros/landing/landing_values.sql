{#-
    Typing and checking landed values. Every landed value arrives as trimmed VARCHAR (read_landing);
    these macros turn it into the type the models use, or into null plus a quarantine reason, so a
    value the models cannot compute with is never accepted:

    numbers     finite (no NaN, inf, -inf, in any spelling, as text or as a float in Parquet) and
                within the range the models keep them in:
                  quantity  |x| < 1e12 and, unless 0, |x| >= 0.000001 (quantities are kept as
                            DECIMAL(18, 6) in the FIFO layers: 12 integer digits, 6 decimals);
                  money     |x| < 1e15 (costs, prices, cash: doubles that still hold cents exactly).
    integers    whole numbers within [min_value, max_value] (priority, lead-time days, version).
    timestamps  and dates: between 1900-01-01 and 2999-12-31 (beyond is out-of-range); facts that
                happened (transactions, orders, constraint intervals, cash positions, owners'
                events) must not be stamped after the time their file landed plus
                var('future_timestamp_tolerance_minutes'): such rows are quarantined as
                `future_timestamp`. A file's landing time is its modification time, or the start
                of this dbt invocation when that is earlier (a file cannot report what happened
                after it was written; a clock ahead of ours gains nothing).
-#}

{%- macro landing_number_limits(kind) -%}
    {{ return({'quantity': {'max_abs': '1e12', 'min_nonzero': '0.000001'}, 'money': {'max_abs': '1e15'}}[kind]) }}
{%- endmacro %}


{#- The condition under which a double `value` is usable as a `kind` number. -#}
{% macro landing_number_ok(value, kind='quantity') -%}
    {%- set limits = landing_number_limits(kind) -%}
    (
        isfinite({{ value }})
        and abs({{ value }}) < {{ limits.max_abs }}
        {%- if limits.min_nonzero %}
            and ({{ value }} = 0 or abs({{ value }}) >= {{ limits.min_nonzero }})
        {%- endif %}
    )
{%- endmacro %}


{#- A landed number string as DOUBLE; null when unparseable, non-finite or out of range. -#}
{% macro landing_number(raw, kind='quantity') -%}
    case
            when {{ landing_number_ok('try_cast(' ~ raw ~ ' as double)', kind) }}
                then try_cast({{ raw }} as double)
        end
{%- endmacro %}


{#- Why a double `value` (shown to the user as the text `shown`) is not a usable number. -#}
{% macro landing_value_reason(label, value, kind='quantity', shown=none) -%}
    {%- set limits = landing_number_limits(kind) -%}
    {%- set shown = shown or 'cast(' ~ value ~ ' as varchar)' -%}
    case
            when not isfinite({{ value }}) then 'non-finite {{ label }}: ''' || {{ shown }} || ''''
            when abs({{ value }}) >= {{ limits.max_abs }}
                then 'out-of-range {{ label }}: ''' || {{ shown }} || ''' (must be below {{ limits.max_abs }} in absolute value)'
            {%- if limits.min_nonzero %}
            when {{ value }} != 0 and abs({{ value }}) < {{ limits.min_nonzero }}
                then 'out-of-range {{ label }}: ''' || {{ shown }} || ''' (non-zero values must be at least {{ limits.min_nonzero }} in absolute value)'
            {%- endif %}
        end
{%- endmacro %}


{#- Why a landed number string `raw` is not usable (null when it is, or when it is missing). -#}
{% macro landing_number_reason(label, raw, kind='quantity') -%}
    case
            when {{ raw }} is not null and try_cast({{ raw }} as double) is null
                then 'unparseable {{ label }}: ''' || {{ raw }} || ''''
            else {{ landing_value_reason(label, 'try_cast(' ~ raw ~ ' as double)', kind, shown=raw) }}
        end
{%- endmacro %}


{#- A landed integer string as INTEGER; null when unparseable, not whole ('1.5') or outside
    [min_value, max_value]. -#}
{% macro landing_integer(raw, min_value=-2147483648, max_value=2147483647) -%}
    case
            when try_cast({{ raw }} as double) = trunc(try_cast({{ raw }} as double))
                and try_cast({{ raw }} as double) between {{ min_value }} and {{ max_value }}
                then cast(try_cast({{ raw }} as double) as integer)
        end
{%- endmacro %}


{#- Why a landed integer string is not usable: unparseable (or not whole), or out of range. -#}
{% macro landing_integer_reason(label, raw, min_value=-2147483648, max_value=2147483647) -%}
    case
            when {{ raw }} is not null and not coalesce(
                try_cast({{ raw }} as double) = trunc(try_cast({{ raw }} as double)), false
            ) then 'unparseable {{ label }}: ''' || {{ raw }} || ''''
            when try_cast({{ raw }} as double) not between {{ min_value }} and {{ max_value }}
                then 'out-of-range {{ label }}: ''' || {{ raw }} || ''' (must be between {{ min_value }} and {{ max_value }})'
        end
{%- endmacro %}


{#-
    A landed timestamp string as a UTC TIMESTAMP (null when unparseable or out of range). Strings
    with an offset (`+02:00`, `-0530`, `+00`, `Z`) are converted to UTC; naive strings are taken as
    UTC whatever the session time zone. ISO 8601 with 'T' or a space, with or without fractional
    seconds.
-#}
{% macro landing_timestamp(raw) -%}
    {%- set parsed = landing_parsed_timestamp(raw) -%}
    case
            when {{ parsed }} >= timestamp '1900-01-01' and {{ parsed }} < timestamp '3000-01-01'
                then {{ parsed }}
        end
{%- endmacro %}


{% macro landing_parsed_timestamp(raw) -%}
    (case
            when substr({{ raw }}, 11) similar to '.*([+-][0-9]{2}(:?[0-9]{2})?|[zZ])'
                then try_cast({{ raw }} as timestamptz) at time zone 'UTC'
            else try_cast({{ raw }} as timestamp)
        end)
{%- endmacro %}


{#- A landed date string as DATE (null when unparseable or out of range). -#}
{% macro landing_date(raw) -%}
    case
            when try_cast({{ raw }} as date) >= date '1900-01-01'
                and try_cast({{ raw }} as date) < date '3000-01-01'
                then try_cast({{ raw }} as date)
        end
{%- endmacro %}


{#- Why a landed timestamp (kind='timestamp') or date (kind='date') string is not usable. -#}
{% macro landing_time_reason(label, raw, kind='timestamp') -%}
    {%- set parsed = landing_parsed_timestamp(raw) if kind == 'timestamp' else 'try_cast(' ~ raw ~ ' as date)' -%}
    {%- set typed = landing_timestamp(raw) if kind == 'timestamp' else landing_date(raw) -%}
    case
            when {{ raw }} is not null and {{ parsed }} is null
                then 'unparseable {{ label }}: ''' || {{ raw }} || ''''
            when {{ raw }} is not null and {{ typed }} is null
                then 'out-of-range {{ label }}: ''' || {{ raw }} || ''' (must fall between 1900-01-01 and 2999-12-31)'
        end
{%- endmacro %}


{#- This dbt invocation's start (UTC) as a TIMESTAMP: the latest moment landed data may describe, and
    "today" for the default as-of date. Written as cast('...' as timestamp), the one form of
    run_started_at in compiled SQL (the backtest replaces it with each simulated day's run time). -#}
{% macro landing_load_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{#- The day (UTC) this dbt invocation started, as a DATE literal. -#}
{% macro landing_run_date() -%}
    date '{{ run_started_at.strftime("%Y-%m-%d") }}'
{%- endmacro %}


{#-
    `future_timestamp` when the typed `value` (a fact's timestamp, or with kind='date' its date) is
    later than `landed_at` plus the tolerance. `landed_at` defaults to the row's file landing time
    (read_landing's _landed_at).
-#}
{% macro landing_future_reason(label, value, shown, landed_at='_landed_at', kind='timestamp') -%}
    {%- set limit = landed_at ~ ' + to_minutes(' ~ var('future_timestamp_tolerance_minutes') ~ ')' -%}
    case
            when {{ value }} > {{ 'cast(' ~ limit ~ ' as date)' if kind == 'date' else limit }}
                then 'future_timestamp: {{ label }} ''' || {{ shown }} || ''' is later than the landing time '
                || strftime({{ landed_at }}, '%Y-%m-%d %H:%M:%S') || ' UTC'
        end
{%- endmacro %}
