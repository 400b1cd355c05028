"""The run lifecycle (placeholder until branch wip/runs lands; see docs/architecture.md, "Runs")."""
