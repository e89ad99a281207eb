"""The Megatec/Q1 serial protocol as NUT 2.8.0's nutdrv_qx (protocol "megatec") speaks it.

Pure: replies in, variables and status tokens out, command bytes back.
The parts live in private siblings, re-exported here:

- ``_megatec_reply``: query tables, fixed-column fields, status bits and words;
- ``_megatec_commands``: instant commands and the shutdown delays;
- ``_megatec_battery``: battery.charge and runtime guesses;
- ``_megatec_blazer``: blazer_ser, the older driver's word-splitting variant.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi as c_strtol
from nutrio.protocol.common.cnum import c_strtod
from nutrio.protocol.devices.megatec.battery import (
    RuntimeCal,
    default_voltage_limits,
    detect_packs,
    guess_charge,
)
from nutrio.protocol.devices.megatec.blazer import (
    BLAZER_F_VARS,
    BLAZER_I_FIELDS,
    BLAZER_Q1_MIN,
    BLAZER_Q1_VARS,
    blazer_command_bytes,
    blazer_command_succeeded,
    blazer_flags,
    blazer_status_word,
    blazer_vendor,
    blazer_words,
)
from nutrio.protocol.devices.megatec.commands import (
    ACCEPTED,
    COMMANDS,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    OFFDELAY_RANGE,
    ONDELAY_RANGE,
    command_bytes,
    command_succeeded,
    truncate_offdelay,
    truncate_ondelay,
)
from nutrio.protocol.devices.megatec.reply import (
    F_FIELDS,
    I_FIELDS,
    Q1,
    Q1_FIELDS,
    STATUS_BITS,
    F,
    Field,
    I,
    ReplyError,
    alarms,
    apply_status_bits,
    beeper_status,
    check_reply,
    field_value,
    is_number,
    read_fields,
    status_bits,
    status_words,
    ups_type,
)

__all__ = [
    "ACCEPTED",
    "BLAZER_F_VARS",
    "BLAZER_I_FIELDS",
    "BLAZER_Q1_MIN",
    "BLAZER_Q1_VARS",
    "COMMANDS",
    "DEFAULT_OFFDELAY",
    "DEFAULT_ONDELAY",
    "F_FIELDS",
    "I_FIELDS",
    "OFFDELAY_RANGE",
    "ONDELAY_RANGE",
    "Q1",
    "Q1_FIELDS",
    "STATUS_BITS",
    "F",
    "Field",
    "I",
    "ReplyError",
    "RuntimeCal",
    "alarms",
    "apply_status_bits",
    "beeper_status",
    "blazer_command_bytes",
    "blazer_command_succeeded",
    "blazer_flags",
    "blazer_status_word",
    "blazer_vendor",
    "blazer_words",
    "c_strtod",
    "c_strtol",
    "check_reply",
    "command_bytes",
    "command_succeeded",
    "default_voltage_limits",
    "detect_packs",
    "field_value",
    "guess_charge",
    "is_number",
    "read_fields",
    "status_bits",
    "status_words",
    "truncate_offdelay",
    "truncate_ondelay",
    "ups_type",
]
