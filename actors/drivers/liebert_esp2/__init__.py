"""liebert-esp2: Liebert UPSes on the ESP-II serial protocol."""
