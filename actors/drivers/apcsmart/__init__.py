"""apcsmart: APC Smart-UPS units on a serial port."""
