"""Which records must go, why, and by when: pure decisions over frames."""
