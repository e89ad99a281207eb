"""NUT's six configuration files, read into a Config and written back."""
