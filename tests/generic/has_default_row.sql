{#- Fails unless the policy seed has a row for category_id = 'default', so new categories are never orphaned. -#}
{% test has_default_row(model, column_name='category_id') %}
    select 'missing default row' as failure
    where not exists (select 1 from {{ model }} where {{ column_name }} = 'default')
{% endtest %}
