"""tripplite_usb, tripplite and tripplitesu: Tripp Lite's own protocols (USB and serial)."""
