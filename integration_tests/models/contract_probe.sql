-- An enforced contract whose data types differ by engine: the spelling the marts' yml files will need.
select
    cast(1.5 as {{ type_double() }}) as x,
    {{ json_object([['a', '1']]) }} as doc,
    {{ sorted_distinct_array("cast('b' as " ~ dbt.type_string() ~ ")") }} as labels
