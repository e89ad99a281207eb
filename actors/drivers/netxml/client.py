"""The HTTP side of netxml-ups: one keep-alive client per card (httpx on Trio), with
neon's habits: the ``timeout`` option bounds each connect and read, and the
login and password go out only when the card asks (a 401 challenge, Basic or
Digest)."""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import httpx

__all__ = ["ChallengeAuth", "PageError", "card_client", "fetch"]


class PageError(Exception):
    """A page the card did not give (no connection, a timeout, a cut answer)."""


class ChallengeAuth(httpx.Auth):
    """Credentials sent once the card asks (a 401), in the scheme it names; after that
    with every request, as neon keeps a session's credentials."""

    def __init__(self, login: str, password: str) -> None:
        self.schemes: dict[str, httpx.Auth] = {"basic": httpx.BasicAuth(login, password),
                                               "digest": httpx.DigestAuth(login, password)}
        self.scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.scheme is not None:
            yield from self.schemes[self.scheme].auth_flow(request)
            return
        response = yield request
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if response.status_code != 401 or scheme not in self.schemes:
            return
        self.scheme = scheme
        flow = self.schemes[scheme].auth_flow(request)
        if scheme == "digest":
            next(flow)  # its first request, without credentials, was the one just sent
            try:
                retry = flow.send(response)
            except StopIteration:
                return
            response = yield retry
            with contextlib.suppress(StopIteration):
                flow.send(response)
        else:
            yield from flow


def card_client(base_url: str, timeout: float, user_agent: str,
                login: str, password: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, timeout=httpx.Timeout(timeout),
        headers={"User-Agent": user_agent}, auth=ChallengeAuth(login, password),
        follow_redirects=False)


async def fetch(client: httpx.AsyncClient, method: str, path: str, *,
                content: bytes | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
    """One request, its whole answer read; transport failures become :class:`PageError`."""
    try:
        return await client.request(method, path, content=content, headers=headers)
    except httpx.HTTPError as exc:
        raise PageError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
