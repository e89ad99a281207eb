"""upsclient's error numbers and messages, and upsd's ERR words mapped to them."""

from __future__ import annotations

import enum


class ClientErrorCode(enum.IntEnum):
    """upsclient.h UPSCLI_ERR_*; :attr:`text` is upscli_strerror's message."""

    UNKNOWN = 0
    VARNOTSUPP = 1
    NOSUCHHOST = 2
    INVRESP = 3
    UNKNOWNUPS = 4
    INVLISTTYPE = 5
    ACCESSDENIED = 6
    PWDREQUIRED = 7
    PWDINCORRECT = 8
    MISSINGARG = 9
    DATASTALE = 10
    VARUNKNOWN = 11
    LOGINTWICE = 12
    PWDSETTWICE = 13
    UNKNOWNTYPE = 14
    UNKNOWNVAR = 15
    VARREADONLY = 16
    TOOLONG = 17
    INVALIDVALUE = 18
    SETFAILED = 19
    UNKINSTCMD = 20
    CMDFAILED = 21
    CMDNOTSUPP = 22
    INVUSERNAME = 23
    USERSETTWICE = 24
    UNKCOMMAND = 25
    INVALIDARG = 26
    SENDFAILURE = 27
    RECVFAILURE = 28
    SOCKFAILURE = 29
    BINDFAILURE = 30
    CONNFAILURE = 31
    WRITE = 32
    READ = 33
    INVPASSWORD = 34
    USERREQUIRED = 35
    SSLFAIL = 36
    SSLERR = 37
    SRVDISC = 38
    DRVNOTCONN = 39
    NOMEM = 40
    PARSE = 41
    PROTOCOL = 42

    @property
    def text(self) -> str:
        """The message; a ``%s`` is filled with strerror / the parse error."""
        return _ERROR_TEXT[self]


_ERROR_TEXT = dict(
    zip(
        ClientErrorCode,
        (
            "Unknown error", "Variable not supported by UPS", "No such host",
            "Invalid response from server", "Unknown UPS", "Invalid list type",
            "Access denied", "Password required", "Password incorrect",
            "Missing argument", "Data stale", "Variable unknown", "Already logged in",
            "Already set password", "Unknown variable type", "Unknown variable",
            "Read-only variable", "New value is too long", "Invalid value for variable",
            "Set command failed", "Unknown instant command", "Instant command failed",
            "Instant command not supported", "Invalid username", "Already set username",
            "Unknown command", "Invalid argument", "Send failure: %s",
            "Receive failure: %s", "socket failure: %s", "bind failure: %s",
            "Connection failure: %s", "Write error: %s", "Read error: %s",
            "Invalid password", "Username required", "SSL is not available",
            "SSL error: %s", "Server disconnected", "Driver not connected",
            "Memory allocation failure", "Parse error: %s", "Protocol error",
        ),
        strict=True,
    )
)

# upsd's ERR words -> client codes, in upsclient.c's table order (it compares
# prefixes, first match wins; anything else is UNKNOWN).
_ERR_WORDS: tuple[tuple[str, ClientErrorCode], ...] = (
    ("VAR-NOT-SUPPORTED", ClientErrorCode.VARNOTSUPP),
    ("UNKNOWN-UPS", ClientErrorCode.UNKNOWNUPS),
    ("ACCESS-DENIED", ClientErrorCode.ACCESSDENIED),
    ("PASSWORD-REQUIRED", ClientErrorCode.PWDREQUIRED),
    ("PASSWORD-INCORRECT", ClientErrorCode.PWDINCORRECT),
    ("MISSING-ARGUMENT", ClientErrorCode.MISSINGARG),
    ("DATA-STALE", ClientErrorCode.DATASTALE),
    ("VAR-UNKNOWN", ClientErrorCode.VARUNKNOWN),
    ("ALREADY-LOGGED-IN", ClientErrorCode.LOGINTWICE),
    ("ALREADY-SET-PASSWORD", ClientErrorCode.PWDSETTWICE),
    ("UNKNOWN-TYPE", ClientErrorCode.UNKNOWNTYPE),
    ("UNKNOWN-VAR", ClientErrorCode.UNKNOWNVAR),
    ("READONLY", ClientErrorCode.VARREADONLY),
    ("TOO-LONG", ClientErrorCode.TOOLONG),
    ("INVALID-VALUE", ClientErrorCode.INVALIDVALUE),
    ("SET-FAILED", ClientErrorCode.SETFAILED),
    ("UNKNOWN-INSTCMD", ClientErrorCode.UNKINSTCMD),
    ("INSTCMD-FAILED", ClientErrorCode.CMDFAILED),
    ("CMD-NOT-SUPPORTED", ClientErrorCode.CMDNOTSUPP),
    ("INVALID-USERNAME", ClientErrorCode.INVUSERNAME),
    ("ALREADY-SET-USERNAME", ClientErrorCode.USERSETTWICE),
    ("UNKNOWN-COMMAND", ClientErrorCode.UNKCOMMAND),
    ("INVALID-PASSWORD", ClientErrorCode.INVPASSWORD),
    ("USERNAME-REQUIRED", ClientErrorCode.USERREQUIRED),
    ("DRIVER-NOT-CONNECTED", ClientErrorCode.DRVNOTCONN),
)


def error_code_of(line: str) -> ClientErrorCode | None:
    """The client error an ``ERR ...`` line stands for; None if not an ERR line.

    Reproduces upscli_errcheck: any line starting with ``ERR`` is an error,
    and the word after it is matched by prefix.
    """
    if not line.startswith("ERR"):
        return None
    rest = line[4:]
    for word, code in _ERR_WORDS:
        if rest.startswith(word):
            return code
    return ClientErrorCode.UNKNOWN
