"""The I2C lab: /dev/i2c-N simulated for a process that loads i2c_lab.c (LD_PRELOAD)."""
