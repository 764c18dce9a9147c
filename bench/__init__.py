"""Benchmarks: speed, scale, reliability (crash, concurrency, load, provider faults, injection),
the chat page in a browser, and the supply-chain audit. Each prints its figures and exits 1
when a check it makes fails; `bench.harness` holds what they share (ports, environments,
servers). Quality evaluation (answers against known facts) is `eval/`."""
