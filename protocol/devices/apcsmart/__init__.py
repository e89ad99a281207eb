"""The APC smart serial protocol (NUT's apcsmart)."""
