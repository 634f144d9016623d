"""Judging links: state rules, signals, anchor classes, spam markers and the score model.

Pure rules live here; flows/judge.py applies them to every stored link in DuckDB (as SQL
generated from these definitions, or with the functions themselves on distinct values).
"""
