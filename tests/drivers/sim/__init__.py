"""UPS simulators on pseudo-terminals, for driver tests (and the real NUT drivers)."""
