"""Tripp Lite's protocols, as NUT 2.8.0's tripplite_usb, tripplite and tripplitesu speak them.

Pure: replies in, variables and status words out, request bytes back.

- ``ctext``: the C habits the three drivers read numbers with (strtol on slices, dots
  for unprintable bytes, single-precision floats, ``;`` fields);
- ``usbframe`` and ``usbvalues``: tripplite_usb's 8-byte messages and what each reply means;
- ``smartpro``: tripplite's serial SmartPro protocol (``:D`` and friends, echoed);
- ``smartonline``: tripplitesu's SmartOnline protocol (``~00P003STO`` and friends).
"""
