-- The rows of `items` outside its first file: how incremental models skip files already loaded.
{{ config(materialized='table') }}
select *
from {{ landing_relation(
    'items', ['item_id', 'qty'], optional_columns=['note'],
    exclude_files=[var('landing_dir') ~ '/items/a_first.parquet'],
) }} as landed
