"""Contact-closure UPSes on a serial port's modem lines: genericups and liebert."""
