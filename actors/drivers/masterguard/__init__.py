"""masterguard: Masterguard A/E series serial UPSes (NUT 2.8.0's deprecated Q1/Q3 driver)."""
