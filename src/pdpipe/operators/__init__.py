"""Depersonalization operators, registered by name."""
