"""usbhid-ups's ups.conf options (NUT 2.8.0, and the 2.8.1 ones nutrio takes too).

Matching: ``vendorid``, ``productid``, ``vendor``, ``product``, ``serial``, ``bus``,
``device`` and ``busport`` (2.8.1) are regular expressions on the whole value,
case-insensitive, the value's surrounding blanks ignored (usb-common.c match_regex).
``subdriver`` (2.8.1) names the subdriver to use instead of asking them in turn.
The rest shape the walk (see protocol/devices/hid/session.py) and the USB side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nutrio.actors.drivers.base import DEFAULT_POLLINTERVAL, DeviceLike
from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.protocol.devices.hid import SessionOptions, Subdriver, subdriver_named

__all__ = ["FLAGS", "MATCH_OPTIONS", "UsbHidOptions", "parse_options"]

#: ups.conf options that select the device (NUT's regex matcher), in its order
MATCH_OPTIONS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device",
                 "busport")
#: flags usbhid-ups knows (served as driver.flag.<name>)
FLAGS = frozenset({"pollonly", "onlinedischarge", "onlinedischarge_calibration", "interruptonly",
                   "explore", "maxreport", "disable_fix_report_desc"})


@dataclass(frozen=True, slots=True, kw_only=True)
class UsbHidOptions:
    """One device's usbhid-ups options, checked."""

    matchers: Mapping[str, re.Pattern[str]]
    subdriver: Subdriver | None = None
    productid_given: bool = False
    explore: bool = False
    pollonly: bool = False
    interrupt_size: int | None = None
    session: SessionOptions = field(default_factory=SessionOptions)
    defaults: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _flag(options: Mapping[str, str], key: str) -> bool:
    value = options.get(key)
    return value is not None and value.lower() not in ("false", "no", "off", "0")


def _positive(device: DeviceLike, key: str) -> int | None:
    value = device.options.get(key)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise DriverConfigError(f"{device.name}: invalid {key}: {value}")
    return number


def _matchers(device: DeviceLike) -> Mapping[str, re.Pattern[str]]:
    out: dict[str, re.Pattern[str]] = {}
    for key in MATCH_OPTIONS:
        if key in device.options:
            try:
                out[key] = re.compile(device.options[key], re.IGNORECASE)
            except re.error as exc:
                raise DriverConfigError(
                    f"{device.name}: invalid regular expression: {device.options[key]}"
                ) from exc
    return MappingProxyType(out)


def _prefixed(options: Mapping[str, str], prefix: str) -> Mapping[str, str]:
    return MappingProxyType({k.removeprefix(prefix): v for k, v in options.items()
                             if k.startswith(prefix)})


def parse_options(device: DeviceLike) -> UsbHidOptions:
    """The options of ``device``; DriverConfigError for what NUT refuses at start."""
    opts = device.options
    explore = _flag(opts, "explore")
    if explore and "vendorid" not in opts:
        raise DriverConfigError(f'{device.name}: must specify "vendorid" when using "explore"')
    subdriver = None
    if "subdriver" in opts:
        subdriver = subdriver_named(opts["subdriver"])
        if subdriver is None:
            raise DriverConfigError(f"{device.name}: Configuration requested subdriver "
                                    f"'{opts['subdriver']}' but none matched")
        if "vendorid" not in opts or "productid" not in opts:
            raise DriverConfigError(f"{device.name}: When specifying a subdriver, 'vendorid' "
                                    "and 'productid' are mandatory.")
    session = SessionOptions(
        pollinterval=device.pollinterval or DEFAULT_POLLINTERVAL,
        pollfreq=_positive(device, "pollfreq"),
        onlinedischarge=_flag(opts, "onlinedischarge"),
        onlinedischarge_calibration=_flag(opts, "onlinedischarge_calibration"),
        lowbatt=opts.get("lowbatt"), ondelay=opts.get("ondelay"), offdelay=opts.get("offdelay"),
        interrupt_only=_flag(opts, "interruptonly"),
        disable_fix_report_desc=_flag(opts, "disable_fix_report_desc"),
        max_report=_flag(opts, "maxreport"),
    )
    return UsbHidOptions(
        matchers=_matchers(device), subdriver=subdriver, productid_given="productid" in opts,
        explore=explore, pollonly=_flag(opts, "pollonly"),
        interrupt_size=_positive(device, "interruptsize"), session=session,
        defaults=_prefixed(opts, "default."), overrides=_prefixed(opts, "override."),
    )
