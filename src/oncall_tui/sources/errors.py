"""Typed source errors. Their `str()` is the error in words for the screen: no secrets."""

from __future__ import annotations


class SourceError(Exception):
    """Anything that kept a source from answering usefully."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class Unreachable(SourceError):
    """Connection refused, DNS, TLS or timeout: nothing usable came back."""


class TimedOut(Unreachable):
    """No answer within the deadline: down, or only slow (a heavy query may answer alone)."""


class BadResponse(SourceError):
    """An answer came, but not one we understand (HTML error page, truncated JSON, ...)."""


class AuthRefused(BadResponse):
    """The source answered 401 / 403: the credentials we sent (or their absence) were
    refused. The source is down for us until the config or the secret is fixed."""


class QueryError(SourceError):
    """Prometheus refused the query; keeps its errorType and error text."""

    def __init__(self, message: str, *, error_type: str = "", url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.error_type = error_type


class Rejected(SourceError):
    """The Alertmanager answered 4xx (e.g. 400 with a reason): a real answer, not a
    reason to try another peer."""

    def __init__(self, message: str, *, status: int, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status


class AuthSetupError(SourceError):
    """The auth settings cannot be applied (an environment variable is unset, a token
    file is unreadable). A configuration problem: say it once, do not retry."""
