"""One client module per external API, on one base (base.py). No models: see docs/architecture.md."""
