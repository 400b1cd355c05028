"""The shared base of every supplier client.

One `requests.Session` per client with timeouts always set, retries with backoff only for calls that
are safe to repeat, no redirects followed for writes, secrets redacted from every log line and
exception, and one error hierarchy:

    IntegrationError
    ├── AuthError             credentials refused (401/403, or the supplier's own auth code)
    ├── RejectedError         the supplier refused the request; `.code` is the supplier's error code
    ├── UnavailableError      retryable: 5xx, 429, timeouts, connection errors
    │   └── OutcomeUnknownError   a write was sent and no answer came: it may or may not have happened
    └── BadResponseError      an answer we cannot read (not JSON, wrong shape)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests
from django.conf import settings

from giftoffice.logredact import REDACTED

logger = logging.getLogger("giftoffice.integrations")


class IntegrationError(Exception):
    """Base of all supplier errors. `provider` names the supplier, `code` is the supplier's own error
    code when it sent one; messages never hold secrets. `attempt` is the try of a retried call that
    raised it: past 1, earlier tries failed and one of them may have got through."""

    def __init__(
        self, message: str, *, provider: str = "", status: int | None = None, code: str = "", url: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status
        self.code = code
        # "METHOD url" of a call that got no answer, so "connection failed" says where it went (a
        # command run beside the demo may be pointing at another port); secrets and query removed.
        self.url = url
        self.attempt = 1

    def __str__(self) -> str:
        prefix = f"{self.provider}: " if self.provider else ""
        code = f"[{self.code}] " if self.code else ""
        status = f" (HTTP {self.status})" if self.status else ""
        url = f" ({self.url})" if self.url else ""
        return f"{prefix}{code}{self.message}{status}{url}"


class AuthError(IntegrationError):
    pass


class RejectedError(IntegrationError):
    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        provider: str = "",
        status: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, provider=provider, status=status, code=code)
        self.details = details


class UnavailableError(IntegrationError):
    """Worth retrying later. `retry_after` is the supplier's hint in seconds, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
        url: str = "",
    ) -> None:
        super().__init__(message, provider=provider, status=status, code=code, url=url)
        self.retry_after = retry_after


class OutcomeUnknownError(UnavailableError):
    """A non-idempotent request was sent but no usable answer came back (timeout, dropped connection,
    5xx after sending). The effect may have happened: reconcile before retrying."""


class BadResponseError(IntegrationError):
    pass


class CatalogChangedError(BadResponseError):
    """A paged catalog kept changing while we read it: no consistent snapshot, so nothing is written."""


SNAPSHOT_ATTEMPTS = 3  # passes over a paged catalog before fetch_snapshot gives up

P = TypeVar("P")


def fetch_snapshot(
    pages: Callable[[], Iterable[P]],
    *,
    total_of: Callable[[P], int],
    ids_of: Callable[[P], Sequence[Hashable]],
    provider: str,
    attempts: int = SNAPSHOT_ATTEMPTS,
    on_page: Callable[[int, int], None] | None = None,
) -> list[P]:
    """Every page of one consistent pass over a paged catalog, or CatalogChangedError.

    `pages()` starts a pass from page 1. A pass counts only if every page announces the same total,
    the rows add up to it and no id comes twice: otherwise rows moved across page boundaries while
    we paged (one could be missed and taken for removed, or seen twice), so the pass starts over, at
    most `attempts` passes in all. A pass is abandoned at the first page whose total moved.
    `on_page(rows received in this pass, total announced)` follows each page kept.
    """
    problem = ""
    for _attempt in range(attempts):
        kept: list[P] = []
        seen: set[Hashable] = set()
        announced: int | None = None
        received = 0
        problem = ""
        for page in pages():
            total = total_of(page)
            if announced is None:
                announced = total
            elif total != announced:
                problem = f"total {announced} -> {total} between pages"
                break
            ids = ids_of(page)
            received += len(ids)
            seen.update(ids)
            kept.append(page)
            if on_page is not None:
                on_page(received, announced)
        if problem:
            continue
        if len(seen) < received:
            problem = f"{received} rows but {len(seen)} distinct ids"
        elif received != (announced or 0):
            problem = f"{received} rows for a total of {announced}"
        else:
            return kept
    raise CatalogChangedError(
        f"the catalog changed while paging through it ({problem}), {attempts} passes in a row; "
        "try again later",
        provider=provider,
    )


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


def default_timeouts() -> Timeouts:
    return Timeouts(settings.INTEGRATION_CONNECT_TIMEOUT, settings.INTEGRATION_READ_TIMEOUT)


def _retry_after_seconds(response: requests.Response) -> float | None:
    return retry_after_seconds(response.headers.get("Retry-After"))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A `Retry-After` header in seconds from `now`: delta-seconds or an HTTP-date (RFC 9110 10.2.3).
    None when absent or unreadable; a date in the past is 0."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": the date is in UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ClientOptions(TypedDict, total=False):
    """How a client talks HTTP; every client takes these as keyword arguments and passes them on.
    Unset (or None), each comes from settings (timeouts, retries, backoff) or is made fresh (session)."""

    timeouts: Timeouts | None
    max_retries: int | None
    backoff_seconds: float | None
    session: requests.Session | None


class BaseClient:
    """Subclasses set `provider`, build their auth in `auth_headers()` and list secrets in `secrets()`.
    A subclass's constructor takes its own settings (base URL, credentials) and `**options:
    Unpack[ClientOptions]`, passed on to this one unchanged.

    `request()` returns the parsed JSON body of a 2xx answer; non-2xx answers go through
    `raise_for_error()`, which subclasses extend to map the supplier's own error codes.
    """

    provider: str = "supplier"
    max_backoff_seconds: float = 10.0

    def __init__(self, *, base_url: str, **options: Unpack[ClientOptions]) -> None:
        max_retries = options.get("max_retries")
        backoff_seconds = options.get("backoff_seconds")
        session = options.get("session")
        self.base_url = base_url.rstrip("/")
        self.timeouts = options.get("timeouts") or default_timeouts()
        self.max_retries = settings.INTEGRATION_MAX_RETRIES if max_retries is None else max_retries
        self.backoff_seconds = (
            settings.INTEGRATION_BACKOFF_SECONDS if backoff_seconds is None else backoff_seconds
        )
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "giftoffice/1.0"})

    # --- hooks for subclasses -----------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {}

    def secrets(self) -> Iterable[str]:
        return ()

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        """Map a non-2xx answer to the hierarchy. Subclasses call super() after their own codes."""
        status = response.status_code
        message = self.error_message(payload) or response.reason or "error"
        if status in (401, 403):
            raise AuthError(self.redact(message), provider=self.provider, status=status)
        if status == 429:
            raise UnavailableError(
                self.redact(message),
                provider=self.provider,
                status=status,
                retry_after=_retry_after_seconds(response),
            )
        if status >= 500:
            raise UnavailableError(self.redact(message), provider=self.provider, status=status)
        raise RejectedError(
            self.redact(message),
            code=self.error_code(payload),
            provider=self.provider,
            status=status,
            details=payload,
        )

    def error_message(self, payload: Any) -> str:
        if isinstance(payload, Mapping):
            for key in ("message", "description", "error", "detail"):
                value = payload.get(key)
                if isinstance(value, str) and value:
                    return value
        return ""

    def error_code(self, payload: Any) -> str:
        if isinstance(payload, Mapping):
            for key in ("code", "errorCode", "error_code"):
                value = payload.get(key)
                if value not in (None, ""):
                    return str(value)
        return ""

    # --- core ----------------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        for secret in self.secrets():
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeouts: Timeouts | None = None,
        expect_status: int | None = None,
    ) -> Any:
        """Send one call, retrying only when `idempotent` (default: GET/HEAD/OPTIONS are).

        `expect_status`: the one 2xx the supplier documents as success; another 2xx to a write is not
        the documented answer, so whether it took effect is unknown (OutcomeUnknownError).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in {"GET", "HEAD", "OPTIONS"}
        attempts = 1 + (self.max_retries if idempotent else 0)
        last_error: UnavailableError | None = None
        for attempt in range(1, attempts + 1):
            try:
                return self._send_once(
                    method,
                    path,
                    json=json,
                    params=params,
                    headers=headers,
                    idempotent=idempotent,
                    timeouts=timeouts,
                    expect_status=expect_status,
                )
            except OutcomeUnknownError as exc:
                exc.attempt = attempt
                raise
            except UnavailableError as exc:
                exc.attempt = attempt
                last_error = exc
                if attempt >= attempts:
                    break
                if exc.retry_after is not None and exc.retry_after > self.max_backoff_seconds:
                    # Asking again sooner than the supplier said only burns the attempts (a Telegram
                    # flood-wait of 30 s); the caller gets the error with its retry_after to wait it out.
                    break
                delay = min(self.max_backoff_seconds, self.backoff_seconds * (2 ** (attempt - 1)))
                if exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                logger.warning(
                    "%s %s %s failed (%s); retry %d/%d in %.2fs",
                    self.provider,
                    method,
                    self._log_path(path),
                    exc,
                    attempt,
                    attempts - 1,
                    delay,
                )
                time.sleep(delay)
            except IntegrationError as exc:
                exc.attempt = attempt
                raise
        assert last_error is not None
        raise last_error

    def _log_path(self, path: str) -> str:
        return self.redact(path.split("?", 1)[0])

    def _call_for_errors(self, method: str, path: str) -> str:
        """`METHOD scheme://host/path` of the call: no user:password, no query, secrets redacted."""
        parts = urlsplit(self.url(path))
        host = parts.hostname or ""
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return f"{method} {self.redact(urlunsplit((parts.scheme, netloc, parts.path, '', '')))}"

    def _send_once(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        idempotent: bool,
        timeouts: Timeouts | None,
        expect_status: int | None = None,
    ) -> Any:
        all_headers = {**self.auth_headers(), **(headers or {})}
        data = None
        if json is not None:
            data = orjson.dumps(json)
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        call = self._call_for_errors(method, path)  # named by an error when no answer comes
        try:
            response = self.session.request(
                method,
                self.url(path),
                data=data,
                params=params,
                headers=all_headers,
                timeout=(timeouts or self.timeouts).as_tuple(),
                # A redirect on a write would replay (or drop) the body somewhere we did not choose.
                allow_redirects=idempotent,
            )
        except requests.exceptions.ConnectTimeout as exc:
            cls = UnavailableError
            raise cls("connect timeout", provider=self.provider, url=call) from self._scrub(exc)
        except requests.exceptions.Timeout as exc:
            cls = UnavailableError if idempotent else OutcomeUnknownError
            raise cls("no answer before the read timeout", provider=self.provider, url=call) from self._scrub(
                exc
            )
        except requests.exceptions.ConnectionError as exc:
            # Refused/unresolvable means nothing was sent; a reset after sending leaves it unknown.
            not_sent = _is_connect_failure(exc)
            cls = UnavailableError if (idempotent or not_sent) else OutcomeUnknownError
            text = "connection failed" if not_sent else "connection dropped"
            raise cls(text, provider=self.provider, url=call) from self._scrub(exc)
        except requests.exceptions.RequestException as exc:
            cls = UnavailableError if idempotent else OutcomeUnknownError
            raise cls("transport error", provider=self.provider, url=call) from self._scrub(exc)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s -> %s in %.0fms",
            self.provider,
            method,
            self._log_path(path),
            response.status_code,
            elapsed_ms,
        )
        payload = self._parse(response)
        if 300 <= response.status_code < 400:
            raise BadResponseError(
                f"unexpected redirect to {self.redact(response.headers.get('Location', '?'))}",
                provider=self.provider,
                status=response.status_code,
            )
        if response.status_code >= 400:
            if response.status_code >= 500 and not idempotent:
                # The supplier may have done the work before failing.
                raise OutcomeUnknownError(
                    self.redact(self.error_message(payload) or response.reason or "server error"),
                    provider=self.provider,
                    status=response.status_code,
                )
            self.raise_for_error(response, payload)
        if expect_status is not None and response.status_code != expect_status:
            cls = BadResponseError if idempotent else OutcomeUnknownError
            raise cls(
                f"answered HTTP {response.status_code}, not the documented {expect_status}",
                provider=self.provider,
                status=response.status_code,
            )
        if payload is _NOT_JSON:
            raise BadResponseError("answer is not JSON", provider=self.provider, status=response.status_code)
        return payload

    def _parse(self, response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return _NOT_JSON

    def _scrub(self, exc: Exception) -> Exception:
        """requests puts the URL (and so a token in the path) in its messages: keep only a redacted copy."""
        return type(exc)(self.redact(str(exc))) if list(self.secrets()) else exc


class _NotJson:
    def __repr__(self) -> str:
        return "<not json>"

    def get(self, *_args: Any) -> None:
        return None


_NOT_JSON: Any = _NotJson()


def _is_connect_failure(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc.args[0]) if exc.args else ""
    return any(
        marker in text for marker in ("NewConnectionError", "Failed to resolve", "NameResolutionError")
    )
