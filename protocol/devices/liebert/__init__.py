"""Liebert UPSes: the ESP-II serial protocol (liebert-esp2)."""
