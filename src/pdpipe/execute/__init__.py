"""Acting on the plan: batches in transactions, the ledger, locks, resumption."""
