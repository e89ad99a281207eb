"""nutdrv_qx and blazer_ser: Megatec/Q1 UPSes on a serial port."""
