{#- The public contract of int_stock_position (docs/marts.md): every row and column of it. -#}
with

stock_position as (

    select * from {{ ref('int_stock_position') }}

)

select * from stock_position
