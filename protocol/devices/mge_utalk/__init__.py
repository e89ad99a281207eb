"""MGE UPS SYSTEMS' U-Talk protocol, as NUT 2.8.0's mge-utalk (0.94) speaks it.

Pure: reply lines in, variables and status words out (``utalk``).
"""

from nutrio.protocol.devices.mge_utalk.utalk import (
    ITEMS,
    Item,
    extract,
    identify,
    identify_legacy,
    multiplier_table,
    status_words,
)

__all__ = ["ITEMS", "Item", "extract", "identify", "identify_legacy", "multiplier_table",
           "status_words"]
