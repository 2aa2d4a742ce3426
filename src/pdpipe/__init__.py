"""pdpipe: enforce a personal-data processing policy on real databases."""
