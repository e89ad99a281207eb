"""riello_ser and riello_usb: Riello units (GPSER and SENTR protocols, serial and USB)."""
