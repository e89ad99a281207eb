"""Modbus client frames (protocol/devices/modbus/frames.py), checked against pymodbus's own
framers: the requests nutrio sends are the bytes pymodbus builds, and nutrio reads the
replies pymodbus builds. Random bytes never get past parse_reply as registers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.modbus import (
    BadReply,
    ModbusError,
    ModbusException,
    ReadRequest,
    Transport,
    WriteRequest,
    crc16,
    frame,
    parse_reply,
    reply_length,
)

pymodbus = pytest.importorskip("pymodbus")
from pymodbus.framer import FramerRTU, FramerSocket  # noqa: E402
from pymodbus.pdu import DecodePDU, ExceptionResponse  # noqa: E402
from pymodbus.pdu.register_message import (  # noqa: E402
    ReadHoldingRegistersRequest,
    ReadHoldingRegistersResponse,
    WriteMultipleRegistersRequest,
    WriteMultipleRegistersResponse,
)

RTU = FramerRTU(DecodePDU(is_server=False))
TCP = FramerSocket(DecodePDU(is_server=False))


def theirs(framer: FramerRTU | FramerSocket, pdu: object, tid: int = 0) -> bytes:
    pdu.transaction_id = tid  # type: ignore[attr-defined]
    return bytes(framer.buildFrame(pdu))  # type: ignore[arg-type]


def test_protocol_modbus_imports_neither_trio_nor_sockets() -> None:
    import subprocess
    import sys

    code = ("import sys, nutrio.protocol.devices.modbus; print(sorted(m for m in "
            "('trio', 'socket', 'usb', 'nutrio.actors') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("address", "count"), [(0, 27), (128, 44), (516, 120), (1026, 22)])
def test_read_requests_are_the_bytes_pymodbus_builds(address: int, count: int) -> None:
    ours = ReadRequest(address, count)
    pdu = ReadHoldingRegistersRequest(address=address, count=count, dev_id=1)
    assert frame(Transport.RTU, 1, ours) == theirs(RTU, pdu)
    assert frame(Transport.TCP, 1, ours, tid=7) == theirs(TCP, pdu, 7)
    assert frame(Transport.USB, 1, ours) == theirs(RTU, pdu)[:-2]  # RTU without its CRC


def test_write_requests_are_the_bytes_pymodbus_builds() -> None:
    ours = WriteRequest(1538, (0, 0x0388))
    pdu = WriteMultipleRegistersRequest(address=1538, registers=[0, 0x0388], dev_id=2)
    assert frame(Transport.RTU, 2, ours) == theirs(RTU, pdu)
    assert frame(Transport.TCP, 2, ours, tid=0xFFFF) == theirs(TCP, pdu, 0xFFFF)


def test_crc_of_the_modbus_specification_example() -> None:
    # Modbus over serial line V1.02, 6.2.2: 02 07 has the CRC 41 12 (low byte first)
    assert crc16(bytes([0x02, 0x07])).to_bytes(2, "little") == bytes([0x41, 0x12])


def feed(transport: Transport, reply: bytes, chunk: int) -> bytes:
    """Read ``reply`` in chunks, as the client does: until reply_length says it is whole."""
    got = b""
    while True:
        length = reply_length(transport, got)
        if length is not None and len(got) >= length:
            return got[:length]
        got += reply[len(got):len(got) + chunk]


@pytest.mark.parametrize("chunk", [1, 3, 300])
@pytest.mark.parametrize(("transport", "framer"), [(Transport.RTU, RTU), (Transport.TCP, TCP)])
def test_pymodbus_replies_are_read_whole_in_any_chunks(transport, framer, chunk) -> None:
    registers = [1, 0x8000, 0xFFFF, 42]
    reply = theirs(framer, ReadHoldingRegistersResponse(registers=registers, dev_id=1), 9)
    trailing = reply + b"\x01\x02garbage"
    whole = feed(transport, trailing, chunk)
    assert whole == reply
    assert parse_reply(transport, 1, ReadRequest(10, 4), whole, tid=9) == tuple(registers)


def test_write_echo_and_exceptions() -> None:
    echo = theirs(RTU, WriteMultipleRegistersResponse(address=1029, count=1, dev_id=1))
    assert parse_reply(Transport.RTU, 1, WriteRequest(1029, (120,)), echo) == ()
    refused = theirs(RTU, ExceptionResponse(0x10, 2))
    assert reply_length(Transport.RTU, refused) == len(refused) == 5
    with pytest.raises(ModbusException) as caught:
        parse_reply(Transport.RTU, 1, WriteRequest(1029, (120,)), refused)
    assert caught.value.code == 2
    assert "illegal data address" in str(caught.value)


def with_crc(hex_text: str) -> bytes:
    data = bytes.fromhex(hex_text)
    return data + crc16(data).to_bytes(2, "little")


@pytest.mark.parametrize(("what", "reply"), [
    ("bad CRC", bytes.fromhex("0103020001ffff")),
    ("other unit", with_crc("0203020001")),
    ("too few registers", with_crc("0103020001")),
])
def test_replies_that_do_not_answer_the_request_are_bad(what: str, reply: bytes) -> None:
    with pytest.raises(BadReply):
        parse_reply(Transport.RTU, 1, ReadRequest(0, 2), reply)


def test_tcp_reply_for_another_transaction_is_bad() -> None:
    reply = theirs(TCP, ReadHoldingRegistersResponse(registers=[5], dev_id=1), 3)
    with pytest.raises(BadReply, match="transaction"):
        parse_reply(Transport.TCP, 1, ReadRequest(0, 1), reply, tid=4)


@given(st.binary(max_size=40), st.sampled_from(list(Transport)))
def test_random_bytes_give_registers_or_a_modbus_error(data: bytes, transport: Transport) -> None:
    length = reply_length(transport, data)
    if length is None or len(data) < length:
        return
    try:
        regs = parse_reply(transport, 1, ReadRequest(0, 2), data[:length])
    except ModbusError:
        return
    assert len(regs) == 2
