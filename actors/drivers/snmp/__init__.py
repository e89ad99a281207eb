"""snmp-ups: UPSes and PDUs through their SNMP agents."""
