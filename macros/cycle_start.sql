{#-
    The first day of the cycle of `cycle_days` days that contains `day` (a date). Cycles are counted
    from Monday 2024-01-01, so 7-day cycles are ISO weeks and 1-day cycles are days.
-#}
{% macro cycle_start(day, cycle_days) -%}
    cast(
        date '2024-01-01'
        + to_days(cast(floor(date_diff('day', date '2024-01-01', {{ day }}) / ({{ cycle_days }})) * ({{ cycle_days }}) as integer))
        as date
    )
{%- endmacro %}
