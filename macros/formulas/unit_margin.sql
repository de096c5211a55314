{#-
    What a lost sale of one unit costs: price − cost, never below 0; the unit cost itself when the price
    is unknown (a lost sale costs at least the goods' value in the plan).
-#}
{% macro unit_margin(unit_price, unit_cost) -%}
    coalesce(
        case when ({{ unit_price }}) is null then {{ unit_cost }} else greatest(({{ unit_price }}) - ({{ unit_cost }}), 0) end,
        0
    )
{%- endmacro %}
