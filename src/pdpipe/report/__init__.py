"""Human- and machine-readable reports of what pdpipe found and did."""
