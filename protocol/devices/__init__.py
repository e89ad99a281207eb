"""Device protocols, one package per family, each pure: bytes in, variables out."""
