"""NUT's safenet on nutrio's driver framework."""
