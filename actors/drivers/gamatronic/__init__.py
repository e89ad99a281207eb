"""gamatronic: SEC-protocol UPSes (Gamatronic, NHS) on a serial line."""
