{#- Hours (fractional, to the second) from one timestamp to a later one; null when either is null. -#}
{% macro hours_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'second') }} / 3600.0)
{%- endmacro %}
