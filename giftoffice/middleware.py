"""Project-wide HTTP edges, and the staff-site middleware the partner API (/external/) does without.

- Request bodies without a length, and JSON errors for the partner API: both sit near the top of
  MIDDLEWARE, so they see what no view does: URLs that resolve to nothing, uncaught exceptions turned
  into 500 pages by Django, and bodies the WSGI server never hands over.
- The partner API passes the staff site's session, locale, user and message middleware by (StaffSiteOnly):
  it answers JSON in one language whatever Accept-Language says, keeps no session and shows no flash
  messages.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus

import orjson
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware import locale
from django.utils import translation

EXTERNAL_PREFIX = "/external/"
PARTNER_API_LANGUAGE = "en"
_JSON = "application/json"


def _is_external(request: HttpRequest) -> bool:
    return request.path_info.startswith(EXTERNAL_PREFIX)


def json_error(status: int, detail: str, *, streaming: bool = False) -> HttpResponse:
    body = orjson.dumps({"detail": detail})
    if streaming:
        # Without a Content-Length, Django's own server (runserver, live_server) closes the connection
        # after the answer: the unread body left on the socket must not be parsed as the next request.
        return StreamingHttpResponse([body], content_type=_JSON, status=status)
    return HttpResponse(body, content_type=_JSON, status=status)


class RequestBodyMiddleware:
    """Chunked bodies are read or refused, never silently dropped; oversized API bodies are refused
    before anything reads them.

    Django reads at most CONTENT_LENGTH bytes, so a body sent with `Transfer-Encoding: chunked` (Go,
    Node streams, `requests` with a generator) would look empty and a PUT would answer 200 having
    changed nothing. A server that de-chunks the body and marks its end (`wsgi.input_terminated`:
    gunicorn, uvicorn's WSGI, waitress) gets it read here, up to DATA_UPLOAD_MAX_MEMORY_SIZE (413 above);
    elsewhere (runserver) the request is refused with 411 Length Required.

    Under /external/ (JSON bodies only, no file uploads) a declared Content-Length above the limit is
    answered 413 at once: no worker waits for megabytes it would refuse anyway. Under gunicorn, which has
    no body timeout of its own, an API body must arrive within REQUEST_BODY_TIMEOUT seconds or the
    request is answered 408: a client that declares a body and stalls holds one thread that long, not
    forever. After such an answer the socket's read side is shut, so the worker does not wait for the
    rest of the body before closing the connection either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            if not meta.get("wsgi.input_terminated"):
                return json_error(
                    411,
                    "Send the body with a Content-Length header; chunked transfer encoding is not "
                    "supported by this server.",
                    streaming=True,
                )
            body = _read_body(meta, None if limit is None else limit + 1)
            if body is None:
                return _timed_out(meta)
            if limit is not None and len(body) > limit:
                _stop_reading(meta)
                return json_error(413, f"Request body exceeds the limit of {limit} bytes.", streaming=True)
            _replace_body(request, body)
        elif _is_external(request):
            try:
                declared = int(meta.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if limit is not None and declared > limit:
                _stop_reading(meta)
                return json_error(
                    413, f"Request body is {declared} bytes; the limit is {limit} bytes.", streaming=True
                )
            if declared > 0 and "gunicorn.socket" in meta:
                body = _read_body(meta, declared)
                if body is None:
                    return _timed_out(meta)
                _replace_body(request, body)
        return self.get_response(request)


def _replace_body(request: HttpRequest, body: bytes) -> None:
    request._stream = io.BytesIO(body)  # what HttpRequest.read() and .body read from
    request._read_started = False
    request.META["CONTENT_LENGTH"] = str(len(body))


def _timed_out(meta: dict) -> HttpResponse:
    _stop_reading(meta)
    timeout = settings.REQUEST_BODY_TIMEOUT
    return json_error(408, f"The request body did not arrive within {timeout:g} seconds.", streaming=True)


def _stop_reading(meta: dict) -> None:
    """Shut the connection's read side (gunicorn): the worker then sees the end of the body at once
    instead of waiting to discard what the client may never send. Our answer is still written."""
    sock = meta.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed by the client
            sock.shutdown(socket.SHUT_RD)


def _read_body(meta: dict, size: int | None) -> bytes | None:
    """Up to `size` bytes of the body (all if None), or None when it does not arrive in time. The deadline
    covers the whole body (a client trickling a byte at a time is cut off too): a watchdog shuts the
    socket's read side when it passes, which ends a blocked read at once."""
    stream = meta["wsgi.input"]
    sock = meta.get("gunicorn.socket")
    expired = threading.Event()
    watchdog = None
    if sock is not None and settings.REQUEST_BODY_TIMEOUT:

        def expire() -> None:
            expired.set()
            _stop_reading(meta)

        watchdog = threading.Timer(settings.REQUEST_BODY_TIMEOUT, expire)
        watchdog.daemon = True
        watchdog.start()
    chunks: list[bytes] = []
    received = 0
    try:
        while size is None or received < size:
            chunk = stream.read(1 << 16 if size is None else min(1 << 16, size - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    except (OSError, ValueError) as exc:  # the read side was shut under a read, or the client vanished
        if not expired.is_set():
            raise OSError("the client closed the connection while sending the body") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if expired.is_set():
        return None
    return b"".join(chunks)


class ExternalJsonErrorsMiddleware:
    """Every error under /external/ is JSON `{"detail": ...}`, whatever produced it: an unroutable path
    (`/external/gift/abc/`), Django's 500 page (DEBUG off) or its debug pages (DEBUG on), a 400 for a
    bad Host header. The views answer JSON themselves; this catches the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and _is_external(request)
            and not response.get("Content-Type", "").startswith(_JSON)
        ):
            return _as_json(response)
        return response


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    if status == 404:
        detail = "Not found."
    elif status >= 500:
        # Nothing of the exception reaches the client; it is logged by Django (django.request).
        detail = "Server error. The request may not have been processed; it is safe to retry reads."
    else:
        try:
            detail = HTTPStatus(status).phrase + "."
        except ValueError:
            detail = "Request refused."
    answer = json_error(status, detail)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            answer[header] = response[header]
    return answer


class StaffSiteOnly:
    """Mixed into a staff-site middleware: partner API requests (/external/) pass it by untouched.

    A partner request carries an API key instead of a cookie, is authenticated by the view and answered
    JSON in one language: it needs no session, user, flash messages or language negotiation (which
    would also vary the answer on Accept-Language and Cookie). What else is in MIDDLEWARE (JSON errors,
    bodies, security headers, common, CSRF, clickjacking) serves both.
    """

    get_response: Callable[[HttpRequest], HttpResponse]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_external(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(StaffSiteOnly, sessions.SessionMiddleware):
    pass


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's for the staff site. The partner API answers machine-read messages in one language
    (English) whatever Accept-Language says, and varies on neither it nor a language cookie."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_external(request):
            with translation.override(PARTNER_API_LANGUAGE):
                return self.get_response(request)
        return super().__call__(request)


class AuthenticationMiddleware(StaffSiteOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(StaffSiteOnly, messages.MessageMiddleware):
    pass
