"""The client side of the NUT protocol, pure (NUT's upsclient.c and upslog's format)."""
