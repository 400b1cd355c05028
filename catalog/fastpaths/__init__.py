"""Hand-written SQL where the plain ORM costs a measured multiple on the partner API's hot paths.

One module per database (`sqlite`, `postgres`) plus `common` for the statements both share, at most
one fast path per operation; each names the plain ORM code it replaces and the `make bench` /
`make bench-postgres` line that justifies it (no bench line, no fast path); the figures themselves live
in docs/perf.md only. Callers keep the plain path beside it for every other database.
"""
