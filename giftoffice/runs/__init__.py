"""One lifecycle for every background run (catalog syncs, partner pushes and pulls, and the purchases'
campaign sends and order polling): see `giftoffice.runs.models` and `giftoffice.runs.services`, and
docs/architecture.md, section "Runs". This package imports no app: apps subclass `Run` and use the
services; the services never know which app a run belongs to."""
