"""The engines besides embedded DuckDB (docs/engines.md): PostgreSQL and Spark helpers."""
