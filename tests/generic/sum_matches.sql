{#-
    Per key, the sum of column_name in the model equals to_column in the `to` model (rows of `to` kept
    by to_where; keys missing on either side count as 0). With only_to_keys = true, keys of the model
    that to_where does not keep are not compared. Fails with one row per key that disagrees by more
    than `tolerance`, or by more than `relative_tolerance` of the expected total when that is larger
    (a DOUBLE sum of quantities near the 1e12 the warehouse holds carries rounding of ~1e-4 units).
-#}
{% test sum_matches(
    model, column_name, to, to_column, keys, to_where='true', only_to_keys=false, tolerance=0.000001,
    relative_tolerance=0.000000000001
) %}

with

model_sums as (

    select
        {{ keys | join(', ') }},
        sum({{ column_name }}) as model_total
    from {{ model }}
    group by {{ keys | join(', ') }}

),

expected as (

    select
        {{ keys | join(', ') }},
        {{ to_column }} as expected_total
    from {{ to }}
    where {{ to_where }}

)

select
    {% for key in keys -%}
        coalesce(model_sums.{{ key }}, expected.{{ key }}) as {{ key }},
    {% endfor -%}
    coalesce(model_sums.model_total, 0) as model_total,
    coalesce(expected.expected_total, 0) as expected_total
from expected
{{ 'left' if only_to_keys else 'full outer' }} join model_sums
    on
        {% for key in keys -%}
            model_sums.{{ key }} = expected.{{ key }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
where
    abs(coalesce(model_sums.model_total, 0) - coalesce(expected.expected_total, 0))
    > greatest({{ tolerance }}, {{ relative_tolerance }} * abs(coalesce(expected.expected_total, 0)))

{% endtest %}
