{#- The public contract of int_constraint_buffers (docs/marts.md): every row and column of it. -#}
with

constraint_buffers as (

    select * from {{ ref('int_constraint_buffers') }}

)

select * from constraint_buffers
