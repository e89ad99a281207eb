"""nutrio: Network UPS Tools, re-created as an actor tree on Trio."""

__version__ = "0.1.0"
