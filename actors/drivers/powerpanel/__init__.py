"""powerpanel: CyberPower serial UPSes (text and binary protocols); also cpsups, cyberpower."""
