"""Acting on judged links: alert rules, spike baselines, disavow files, the report model.

Pure rules only; flows/act.py and flows/report.py apply them to DuckDB and Prefect."""
