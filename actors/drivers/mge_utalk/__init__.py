"""mge-utalk: MGE UPS SYSTEMS units speaking U-Talk on a serial line."""
