"""NUT's mge-shut: Eaton/MGE UPSes speaking SHUT (HID reports over a serial line)."""
