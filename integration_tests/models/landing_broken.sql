-- A landing table whose file lacks a contract column: the build of this model must fail with
-- read_landing's message (the test checks the message and that nothing else failed).
{{ config(materialized='table') }}
select * from {{ landing_relation('broken', ['item_id', 'qty']) }} as landed
