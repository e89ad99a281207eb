"""UPScode II units on a pseudo-terminal, for NUT 2.8.0's upscode2 and nutrio's.

A request is a line ending in CR; some take a second line (a parameter, a password).
The unit answers with lines ending in CR LF: ``UPCL`` lists the requests it takes,
``UPDS``/``UPDV``/``UPBS`` give code and value lines (the last code ends them),
``UPTP``/``UPSN``/``UPID``/``UPCD``/``UPSD``/``UPDT``/``UPPM`` an acknowledgement code
and a value. Commands (``UPPC`` and friends) get no answer, nor does a request the
unit does not list.

:data:`R3000` follows Compaq__Compaq__R3000__upscode2__2.6.5__01.dev (charge worked out
from the battery current), :data:`PRC1500` Exide__Exide__NetUPS_SE_PRC1500i__upscode2__
2.2.2__01.dev (with eight battery strings' readings). ``received`` holds each request
with its parameter; ``commands()`` those that act.
"""

from __future__ import annotations

from sim.pty import PtyPair
from sim.tripplite_sims import SimUnit, StepSim

__all__ = ["PRC1500", "R3000", "UpsCodeUps"]

#: requests followed by a parameter line
_WITH_PARAMETER = frozenset({"UPCD", "UPSD", "UPSN", "UPDT", "UPTM", "UPPM", "UPPF", "UPPD",
                             "UPPC", "UPBT"})
#: requests that only read
_READS = frozenset({"UPCL", "UPTP", "UPSN", "UPID", "UPDA", "UPDS", "UPDV", "UPBS", "UPDT",
                    "UPTM", "UPPM"})
#: the code lists of the three data requests
UPDS = ("STAT", "STBO", "STBL", "STLR", "BTIME", "MIUL1", "MBIII", "MBUUU", "MOIL1", "MOPL1",
        "MOSL1", "MOUL1", "MOFFF")
UPDV = ("NIUHH", "NIULL", "NIUNN", "NBAHN", "NBILL", "NBUHH", "NBULL", "NBUNN", "NOIHH",
        "NOINN", "NOPNN", "NOSNN", "NOUHH", "NOULL", "NOUNN", "NOFHH", "NOFLL")
UPBS = tuple(f"{what}{n}" for n in range(1, 9) for what in ("MBTE", "MBIN", "BDAT"))

_R3000_VALUES = {
    "STAT": "00", "STBO": "00", "STBL": "00", "STLR": "NO", "BTIME": "7", "MIUL1": "121",
    "MBIII": "0.372", "MBUUU": "55.2", "MOIL1": "15.15", "MOPL1": "1.81", "MOSL1": "1.82",
    "MOUL1": "121", "MOFFF": "60.0", "NIUHH": "145", "NIULL": "84", "NIUNN": "120",
    "NBAHN": "17", "NBILL": "-60", "NBUHH": "56.4", "NBULL": "40.0", "NBUNN": "48",
    "NOIHH": "28.5", "NOINN": "25", "NOPNN": "2.25", "NOSNN": "3.0", "NOUHH": "128",
    "NOULL": "108", "NOUNN": "120", "NOFHH": "63", "NOFLL": "57"}
R3000 = SimUnit("r3000", {
    "offers": "UPDS UPDV UPTP UPSN UPCL UPSD UPCD UPPF UPPD UPPU UPPC UPBT UPPM UPDT",
    "model": "UPS 3000 VA FW -0026", "serial": "E00202401", "UPCD": "060", "UPSD": "180",
    "date": "2013-09-14", **_R3000_VALUES},
    on_battery={"STBO": "11", "BTIME": "6", "MIUL1": "0", "MBIII": "-21.3", "MBUUU": "48.6"},
    low_battery={"STBO": "11", "STBL": "11", "BTIME": "1", "MIUL1": "0", "MBIII": "-24.0",
                 "MBUUU": "41.2"})

_PRC1500_BATTERIES = {f"{what}{n}": value for n in range(1, 9) for what, value in
                      (("MBTE", f"{24 + n}"), ("MBIN", "0"), ("BDAT", f"2008-0{n}-15"))}
PRC1500 = SimUnit("prc1500", {
    "offers": "UPDS UPDV UPBS UPTP UPSN UPCL UPPC UPBT UPID UPDA",
    "model": "UPS 1500 VA FW -0026", "serial": "LQ074A800", "id": "rack 2",
    **_R3000_VALUES, **_PRC1500_BATTERIES,
    "BTIME": "44", "MIUL1": "220.3", "MBIII": "1.68", "MBUUU": "25.5", "MOIL1": "0.40",
    "MOPL1": "0.05", "MOSL1": "0.08", "MOUL1": "220.3", "MOFFF": "50.0", "NIUHH": "276",
    "NIULL": "162", "NIUNN": "230", "NBUHH": "28.2", "NBULL": "20.0", "NBUNN": "24",
    "NOIHH": "6.8", "NOINN": "6.5", "NOPNN": "1.0", "NOSNN": "1.5", "NOUHH": "244",
    "NOULL": "207", "NOUNN": "230", "NOFHH": "53", "NOFLL": "47"},
    on_battery={"STBO": "11", "STLR": "SU", "BTIME": "30", "MIUL1": "0", "MBIII": "-3.2",
                "MBUUU": "23.9"},
    low_battery={"STBO": "11", "STAT": "BL", "BTIME": "2", "MIUL1": "0", "MBIII": "-3.9",
                 "MBUUU": "20.4"})


class UpsCodeUps(StepSim):
    """A UPScode II unit (see the module comment); the delays it is told it keeps."""

    pending: str | None = None

    def kept(self) -> dict[str, str]:
        return {k: v for k, v in self.answers.items() if k in ("UPCD", "UPSD")}

    def commands(self) -> list[bytes]:
        return [r for r in self.received if r.split(b"\r")[0].decode() not in _READS]

    def offers(self) -> list[str]:
        return self.answers["offers"].split()

    def _pairs(self, codes: tuple[str, ...]) -> str:
        return "".join(f"{code}\r\n{self.answers[code]}\r\n" for code in codes)

    def reply(self, request: str, parameter: str | None) -> str:
        """What the unit answers to one request (and its parameter)."""
        a = self.answers
        if request not in self.offers():
            return ""
        match request:
            case "UPCL":
                return "".join(f"{r}\r\n" for r in self.offers() if r != "UPCL") + "UPCL\r\n"
            case "UPTP":
                return f"NNAME\r\n{a['model']}\r\n"
            case "UPSN":
                return f"ACSN\r\n{a['serial']}\r\n"
            case "UPID":
                return f"ACID\r\n{a['id']}\r\n"
            case "UPDT":
                return f"ACDT\r\n{a['date']}\r\n"
            case "UPCD" | "UPSD":
                if parameter != "0000":
                    a[request] = f"{int(parameter or 0):03d}"
                return f"AC{request[2:]}\r\n{a[request]}\r\n"
            case "UPPM":
                if parameter == "0":
                    return "ACPM\r\nP01\r\nP03\r\n"
                return f"ACPM\r\n{parameter}=5\r\n"
            case "UPDS":
                return self._pairs(UPDS)
            case "UPDV":
                return self._pairs(UPDV)
            case "UPBS":
                return self._pairs(UPBS)
        return ""

    def take(self, line: str) -> str:
        """One line from the driver: a request, or the parameter of the last one."""
        if self.pending is not None:
            request, self.pending = self.pending, None
            self.received.append(f"{request}\r{line}\r".encode())
            return self.reply(request, line)
        if line in _WITH_PARAMETER:
            self.pending = line
            return ""
        self.received.append(f"{line}\r".encode())
        return self.reply(line, None)

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while b"\r" in buffer:
                raw, buffer = buffer.split(b"\r", 1)
                reply = self.take(raw.strip(b"\n").decode("latin-1"))
                if reply and not self.silent:
                    await pty.master.send_all(reply.encode("latin-1"))
