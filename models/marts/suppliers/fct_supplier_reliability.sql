{#- The public contract of int_supplier_reliability (docs/marts.md): every row and column of it. -#}
with

supplier_reliability as (

    select * from {{ ref('int_supplier_reliability') }}

)

select * from supplier_reliability
