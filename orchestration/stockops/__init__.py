"""stockops: inventory transactions to owned decisions (dbt + DuckDB + Dagster)."""
