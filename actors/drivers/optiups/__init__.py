"""optiups: OPTI-UPS VS/ES/PS and ONLINE USV Zinto D serial UPSes."""
