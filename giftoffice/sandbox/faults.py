"""Fault injection for the sandbox: arm, disarm, and the decorator every simulator view wears."""

from __future__ import annotations

import functools
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from giftoffice.sandbox.models import Fault, FaultKind, Provider
from giftoffice.sandbox.models.core import default_hang_delay

logger = logging.getLogger(__name__)

PRE_FAULTS = {FaultKind.HTTP_500, FaultKind.HTTP_503, FaultKind.HTTP_429, FaultKind.HANG, FaultKind.DROP}
POST_FAULTS = {FaultKind.COMMIT_THEN_500, FaultKind.COMMIT_THEN_HANG, FaultKind.COMMIT_THEN_DROP}

# Renders a provider-shaped error body: (status, message, fault) -> response.
ErrorRenderer = Callable[[int, str, Fault], HttpResponse]


def arm(
    *,
    provider: str,
    kind: str,
    path: str = "",
    count: int = 1,
    delay_seconds: float | None = None,
    retry_after: int = 1,
) -> Fault:
    """Arm a fault for the next `count` matching calls. A hang lasts `delay_seconds`, by default just
    past the clients' read timeout, so it is a timeout for them and not a slow answer."""
    if provider not in Provider.values:
        raise ValueError(f"unknown provider {provider!r}; one of {', '.join(Provider.values)}")
    if kind not in FaultKind.values:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FaultKind.values)}")
    if count < 1:
        raise ValueError("count must be at least 1")
    return Fault.objects.create(
        provider=provider,
        kind=kind,
        path=path,
        remaining=count,
        delay_seconds=default_hang_delay() if delay_seconds is None else delay_seconds,
        retry_after=retry_after,
    )


def disarm(*, provider: str | None = None) -> int:
    qs = Fault.objects.all() if provider is None else Fault.objects.filter(provider=provider)
    deleted, _ = qs.delete()
    return deleted


def take(*, provider: str, path: str) -> Fault | None:
    """Consume one shot of the oldest armed fault matching this call, if any."""
    for fault in Fault.objects.filter(provider=provider, remaining__gt=0).order_by("id"):
        if not fault.matches(path):
            continue
        with transaction.atomic():
            # Conditional decrement: two concurrent calls never both consume the last shot.
            won = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1, fired=F("fired") + 1
            )
        if won:
            Fault.objects.filter(pk=fault.pk, remaining=0).delete()
            return fault
    return None


def default_error_renderer(status: int, message: str, fault: Fault) -> HttpResponse:
    response = JsonResponse({"message": message}, status=status)
    if status == 429:
        response["Retry-After"] = str(fault.retry_after)
    return response


def _client_socket(request: HttpRequest) -> socket.socket | None:
    environ = request.META
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        return sock
    # Django's development / live server: wsgi.input -> LimitedStream -> BufferedReader -> SocketIO.
    # Django's LimitedStream keeps only the bound `read` of the stream it wraps, hence `_read.__self__`.
    stream: Any = environ.get("wsgi.input")
    for _depth in range(5):
        if isinstance(stream, socket.socket):
            return stream
        inner = (
            getattr(stream, "stream", None) or getattr(stream, "raw", None) or getattr(stream, "_sock", None)
        )
        if inner is None:
            inner = getattr(getattr(stream, "_read", None), "__self__", None)
        if inner is None:
            return None
        stream = inner
    return None


def _drop(request: HttpRequest) -> HttpResponse:
    """Close the TCP connection with no HTTP answer at all; the client sees a connection error."""
    sock = _client_socket(request)
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # If the socket could not be reached, a streamed body that breaks off is the closest thing.
    def broken():
        yield b'{"trunc'
        raise ConnectionAbortedError("sandbox fault: drop")

    return StreamingHttpResponse(broken(), content_type="application/json")


def _apply(fault: Fault, request: HttpRequest, render: ErrorRenderer, response: HttpResponse | None):
    kind = fault.kind
    logger.info("sandbox fault %s on %s %s", kind, request.method, request.path)
    if kind in (FaultKind.HTTP_500, FaultKind.COMMIT_THEN_500):
        return render(500, "Internal Server Error (sandbox fault)", fault)
    if kind == FaultKind.HTTP_503:
        return render(503, "Service Unavailable (sandbox fault)", fault)
    if kind == FaultKind.HTTP_429:
        return render(429, "Too Many Requests (sandbox fault)", fault)
    if kind in (FaultKind.DROP, FaultKind.COMMIT_THEN_DROP):
        return _drop(request)
    # HANG / COMMIT_THEN_HANG: the client gives up first; whatever we send after is never read.
    time.sleep(fault.delay_seconds)
    return response if response is not None else render(504, "Gateway Timeout (sandbox fault)", fault)


def sandbox_view(provider: str, *, error_renderer: ErrorRenderer = default_error_renderer):
    """Wrap a simulator view so armed faults for (provider, path) fire before or after its effect.

    Views run in autocommit, each write in its own atomic block, so a "commit then fail" fault
    really leaves the effect committed, as the ambiguous failure of a real supplier does.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            prefix = f"/sandbox/{provider}/"
            sub_path = request.path.split(prefix, 1)[-1]
            fault = take(provider=provider, path=sub_path)
            if fault is not None and fault.kind in PRE_FAULTS:
                return _apply(fault, request, error_renderer, None)
            response = view(request, *args, **kwargs)
            if fault is not None and fault.kind in POST_FAULTS:
                return _apply(fault, request, error_renderer, response)
            return response

        wrapper.csrf_exempt = True  # type: ignore[attr-defined]
        return wrapper

    return decorator
