"""Project-wide HTTP edges: request bodies without a length, and JSON errors for the partner API.

Both sit near the top of MIDDLEWARE, so they see what no view does: URLs that resolve to nothing,
uncaught exceptions turned into 500 pages by Django, and bodies the WSGI server never hands over.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from http import HTTPStatus

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

EXTERNAL_PREFIX = "/external/"
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
    answered 413 at once: no worker waits for megabytes it would refuse anyway.
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
            stream = meta["wsgi.input"]
            body = stream.read() if limit is None else stream.read(limit + 1)
            if limit is not None and len(body) > limit:
                return json_error(413, f"Request body exceeds the limit of {limit} bytes.", streaming=True)
            request._stream = io.BytesIO(body)  # what HttpRequest.read() and .body read from
            request._read_started = False
            meta["CONTENT_LENGTH"] = str(len(body))
        elif limit is not None and _is_external(request):
            try:
                declared = int(meta.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                return json_error(
                    413, f"Request body is {declared} bytes; the limit is {limit} bytes.", streaming=True
                )
        return self.get_response(request)


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
