"""The production profile: `gunicorn -c giftoffice/gunicorn.conf.py` (`make serve-prod`).

Threads, not one process per request: gunicorn has no timeout for reading a request body, so with sync
workers a few clients that declare a large body and stall hold every worker (5 such clients blocked all
4 sync workers for 60 s). Here each connection costs one thread of WEB_CONCURRENCY x GUNICORN_THREADS,
and the application bounds what a thread can be made to wait for (giftoffice.middleware):
- a declared API body above DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 before any of it is read;
- an API body must arrive within REQUEST_BODY_TIMEOUT seconds (408 otherwise);
- gunicorn itself waits at most a few seconds for the request line and headers before giving the
  connection back to its poller (no thread is held while a client is silent before sending).

Behind a buffering proxy (nginx with `proxy_request_buffering on`, the default) the proxy absorbs slow
clients entirely; set TRUSTED_PROXIES so failed-login limits see the real client address.
Every value can be overridden with GUNICORN_* environment variables or gunicorn's own command line.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


wsgi_app = "giftoffice.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = _int("GUNICORN_THREADS", 16)
# A worker that stops answering its arbiter for this long is killed and replaced (a stuck process, not a
# slow request: with threads the arbiter's heartbeat keeps running while requests wait).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Request line and headers: gunicorn's defaults, spelled out because they are part of the profile.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then: bounds any slow leak in a long-running process.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
# The application reads X-Forwarded-* only from TRUSTED_PROXIES (settings); gunicorn likewise.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
