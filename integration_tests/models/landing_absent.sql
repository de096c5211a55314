-- A landing table without a folder: the typed empty relation.
{{ config(materialized='table') }}
select * from {{ landing_relation('absent', ['item_id']) }} as landed
