"""Driver actors: each owns one device and publishes its state."""
