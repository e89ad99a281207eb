"""TOML configuration loaded into frozen dataclasses."""
