"""Prefect flows and tasks: thin orchestration over linkvet's pure logic and the stores."""
