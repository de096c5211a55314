{#- Fails with both counts when the model does not have exactly as many rows as `to` (rows in = rows out). -#}
{% test row_count_matches(model, to) %}
    select
        model_rows.row_count as model_rows,
        to_rows.row_count as to_rows
    from (select count(*) as row_count from {{ model }}) as model_rows
    cross join (select count(*) as row_count from {{ to }}) as to_rows
    where model_rows.row_count != to_rows.row_count
{% endtest %}
