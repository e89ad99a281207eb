"""Generic supervision tree on Trio; knows nothing of UPSes."""
