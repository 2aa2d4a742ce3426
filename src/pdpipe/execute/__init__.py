"""Acting on the plan: batches in transactions, the ledger, locks, resumption."""

# Key ranges per table unless told (CLI, flow, API; the benchmark measures the same):
# a table's ranges run at once, so its batches are not the run's one long lane while the
# database has a core to spare. Here, not in runner.py: the CLI reads it without pandas.
DEFAULT_PARTITIONS = 4
