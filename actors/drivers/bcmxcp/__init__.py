"""bcmxcp and bcmxcp_usb: Powerware/Eaton UPSes speaking BCM/XCP (serial and USB)."""
