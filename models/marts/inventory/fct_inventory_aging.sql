{#- The public contract of int_inventory_aging (docs/marts.md): every row and column of it. -#}
with

inventory_aging as (

    select * from {{ ref('int_inventory_aging') }}

)

select * from inventory_aging
