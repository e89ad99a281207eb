"""apcupsd-ups: a UPS read through an apcupsd daemon's NIS."""
