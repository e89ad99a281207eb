"""belkin: Belkin units speaking the smart protocol on a serial line."""
