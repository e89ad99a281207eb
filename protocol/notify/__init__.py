"""upsmon's notifications and nutrio's own notify channels, pure."""
