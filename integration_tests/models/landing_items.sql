-- Every landed row of the test table `items` (files made by tests/python/integration/test_engine_dbt.py).
{{ config(materialized='table') }}
select * from {{ landing_relation('items', ['item_id', 'qty'], optional_columns=['note']) }} as landed
