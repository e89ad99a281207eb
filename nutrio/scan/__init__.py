"""`nutrio scan`: find UPSes on USB, SNMP, NUT servers and serial ports (nut-scanner's job).

Each bus has its module (usb, snmp, nut, serial) that turns what it saw into
:class:`Found` values; :func:`render` writes them as nutrio.toml tables or
ups.conf sections; nutrio/scan/command.py is the command line. The modules
with I/O are imported by the command only for the buses asked for.
"""

from nutrio.scan.found import Found, MonitorEntry, name_devices
from nutrio.scan.render import render

__all__ = ["Found", "MonitorEntry", "name_devices", "render"]
