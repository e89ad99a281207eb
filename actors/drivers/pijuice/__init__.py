"""pijuice: the PiJuice HAT on a Linux I2C bus."""
