"""UPScode II (Fiskars, Powerware, Compaq, Exide), as NUT 2.8.0's upscode2 speaks it.

Pure: reply lines in, variables and status words out, request lines back.

- ``tables``: what each reply code means (NUT's tables of codes, in our own shape);
- ``reading``: one unit's readings through an update: status bits, load, charge, runtime.
"""

from nutrio.protocol.devices.upscode2.reading import UpsCodeReading
from nutrio.protocol.devices.upscode2.tables import (
    BATTERY,
    COMMANDS,
    NOMINAL,
    SIMPLE,
    VARIABLES,
    Code,
    Kind,
)

__all__ = ["BATTERY", "COMMANDS", "NOMINAL", "SIMPLE", "VARIABLES", "Code", "Kind",
           "UpsCodeReading"]
