{#- No orphaned decisions: fails for every row routed to the fallback owner because no owner could be resolved. -#}
{% test not_fallback_owner(model, column_name) %}
    select {{ column_name }} as owner_id
    from {{ model }}
    where {{ column_name }} = '{{ var("fallback_owner_id") }}'
{% endtest %}
