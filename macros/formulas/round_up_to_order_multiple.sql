{#-
    Order quantity for a raw need: nothing when the need is not positive; otherwise at least the MOQ
    and rounded up to the order multiple (a multiple <= 0 or null means any quantity).
-#}
{% macro round_up_to_order_multiple(need, moq, order_multiple) -%}
    case
        when {{ need }} is null or {{ need }} <= 0 then 0
        else
            case
                when coalesce({{ order_multiple }}, 0) > 0
                    then ceil(greatest({{ need }}, coalesce({{ moq }}, 0)) / {{ order_multiple }}) * {{ order_multiple }}
                else ceil(greatest({{ need }}, coalesce({{ moq }}, 0)))
            end
    end
{%- endmacro %}
