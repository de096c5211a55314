-- The typed (empty) relation every unit test's `given` rows stand in for.
select
    cast(null as {{ dbt.type_string() }}) as case_id,
    cast(null as {{ dbt.type_string() }}) as grp,
    cast(null as {{ type_double() }}) as x,
    cast(null as bigint) as n,
    cast(null as {{ dbt.type_string() }}) as s,
    cast(null as date) as d,
    cast(null as timestamp) as ts,
    cast(null as timestamp) as ts2,
    cast(null as boolean) as flag
where 1 = 0
