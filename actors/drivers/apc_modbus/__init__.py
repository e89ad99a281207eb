"""NUT's apc_modbus (2.8.1+): APC Smart-UPS units over Modbus TCP, serial RTU and USB HID."""
