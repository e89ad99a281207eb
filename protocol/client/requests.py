"""The client side of the NUT network protocol, pure (clients/upsclient.c).

Three jobs, no I/O:

- ``upsname[@hostname[:port]]`` and ``hostname[:port]`` are split the way
  ``upscli_splitname``/``upscli_splitaddr`` do it, quirks included (they are
  ``strtok`` based: leading separators are skipped, ``[...]`` holds an IPv6
  literal, a port must be 1..65535).
- Requests are built like ``build_cmd``: every argument is escaped with
  :func:`~protocol.common.parseconf.encode_word` and wrapped in double quotes when it
  holds a space.
- Reply lines are read with the same tokenizer upsd uses (NUT's clients call
  ``pconf_line`` on each line) and become typed replies; ``ERR`` codes map to
  the client library's error numbers and messages (``upscli_strerror``).

Names, errors and replies live in private siblings (``_client_names``,
``_client_errors``, ``_client_replies``) and are re-exported here.
"""

from __future__ import annotations

from nutrio.protocol.client.errors import ClientErrorCode, error_code_of
from nutrio.protocol.client.names import (
    DEFAULT_PORT,
    AddressError,
    UpsAddress,
    split_host,
    split_ups_name,
)
from nutrio.protocol.client.replies import (
    BeginList,
    Client,
    Cmd,
    CmdDesc,
    Desc,
    EndList,
    Enum,
    Err,
    NumLogins,
    Ok,
    OkTracking,
    Pending,
    Range,
    Reply,
    Rw,
    Success,
    Type,
    Unrecognized,
    Ups,
    UpsDesc,
    Var,
    parse_reply,
    reply_words,
)
from nutrio.protocol.common.parseconf import encode_word

__all__ = [
    "DEFAULT_PORT",
    "AddressError",
    "BeginList",
    "Client",
    "ClientErrorCode",
    "Cmd",
    "CmdDesc",
    "Desc",
    "EndList",
    "Enum",
    "Err",
    "NumLogins",
    "Ok",
    "OkTracking",
    "Pending",
    "Range",
    "Reply",
    "Rw",
    "Success",
    "Type",
    "Unrecognized",
    "Ups",
    "UpsAddress",
    "UpsDesc",
    "Var",
    "build_request",
    "error_code_of",
    "parse_reply",
    "quote_arg",
    "reply_words",
    "split_host",
    "split_ups_name",
]

# -- requests --------------------------------------------------------------


def quote_arg(arg: str, *, strict: bool = False) -> str:
    """One request argument as build_cmd writes it.

    NUT quotes an argument only when it holds a space, so a tab, ``=`` or an
    empty argument does not survive upsd's tokenizer. ``strict=True`` quotes
    those too, so that any printable ASCII argument arrives intact.
    """
    encoded = encode_word(arg)
    needs_quotes = " " in arg
    if strict:
        needs_quotes = needs_quotes or not arg or any(c in arg for c in "\t\r\v\f=")
    return f'"{encoded}"' if needs_quotes else encoded


def build_request(command: str, *args: str, strict: bool = False) -> bytes:
    """``COMMAND arg...\\n`` as NUT clients send it (build_cmd in upsclient.c).

    >>> build_request("GET", "VAR", "ups", "a b")
    b'GET VAR ups "a b"\\n'
    """
    words = [command, *(quote_arg(a, strict=strict) for a in args)]
    return (" ".join(words) + "\n").encode("utf-8", "surrogateescape")
