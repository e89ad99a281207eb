"""USB dry-contact interfaces: richcomm_usb and nutdrv_atcl_usb."""
