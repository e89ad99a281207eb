"""Riello's serial protocols (GPSER and SENTR), as NUT 2.8.0's riello_ser and riello_usb
speak them. Pure: bytes in, variables and status words out, request bytes back.

- ``frames``: the two framings, the GPSER sum/CRC, NUT's byte-at-a-time packet finder;
- ``gpser``: the unit's data (:class:`RielloData`) and the GPSER replies read into it
  (identification GI, nominal GN, status RS, extended RE), the command requests;
- ``sentr``: the SENTR block read into the same data;
- ``values``: the data as NUT variables and status words.
"""
