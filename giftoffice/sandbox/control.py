"""The sandbox control endpoint: arm, list and disarm faults over HTTP (tests, staff drills)."""

import orjson
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from giftoffice.sandbox import faults
from giftoffice.sandbox.models import Fault


def _fault_json(fault: Fault) -> dict:
    return {
        "id": fault.pk,
        "provider": fault.provider,
        "path": fault.path,
        "kind": fault.kind,
        "remaining": fault.remaining,
        "delay_seconds": fault.delay_seconds,
        "retry_after": fault.retry_after,
    }


@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def faults_view(request: HttpRequest) -> JsonResponse:
    """GET lists armed faults; POST {provider, kind, path?, count?, delay_seconds?, retry_after?}
    arms one; DELETE (optionally ?provider=) disarms."""
    if request.method == "GET":
        return JsonResponse({"faults": [_fault_json(f) for f in Fault.objects.all()]})
    if request.method == "DELETE":
        return JsonResponse({"disarmed": faults.disarm(provider=request.GET.get("provider") or None)})
    try:
        body = orjson.loads(request.body or b"{}")
        delay = body.get("delay_seconds")
        fault = faults.arm(
            provider=str(body.get("provider", "")),
            kind=str(body.get("kind", "")),
            path=str(body.get("path", "")),
            count=int(body.get("count", 1)),
            delay_seconds=None if delay is None else float(delay),
            retry_after=int(body.get("retry_after", 1)),
        )
    except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(_fault_json(fault), status=201)
