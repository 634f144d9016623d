"""The record contract (models, generated JSON Schema) and the DuckDB DDL, as data."""
