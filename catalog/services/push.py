"""Push our gifts to partner sites (bulk-create / bulk-update of /external/gift/) and pull theirs.

The flow of a push:
1. Plan, locally: a gift without a remote id on the site is a create, a gift whose payload fingerprint
   differs from the one last sent is an update (with a field-level diff), anything else is unchanged.
2. Execute in batches of the site's batch size. Remote ids come back in input order.
3. A bulk-create whose answer was lost (OutcomeUnknownError, or an unreadable 2xx) may have created the
   gifts. Before any retry the remote list is read and copies already there are linked (matched on the
   default-language name + start_time + removal_time); only the rest is created again. The intent is
   recorded on the publication (`create_sent_at`) before sending, so a run killed mid-call is
   reconciled the same way by the next push.
4. A batch refused item by item records each item's error on its publication; the items the site did
   accept are sent again once without the refused ones; other batches go on.

Runs are recorded (PushRun). At most one non-dry run per site is active at a time.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django_q.exceptions import TimeoutException

from catalog.gift_fields import DEFAULT_NAME_KEY, TRANSLATED_FIELDS
from catalog.models import (
    Gift,
    GiftPublication,
    PartnerSite,
    PushRun,
    PushRunClaim,
    PushRunKind,
    PushRunStatus,
)
from catalog.selectors.gift_wire import gift_payloads, media_url_prefix
from catalog.services.gift_input import clean_wire_item
from catalog.services.partner_sites import client_for
from catalog.services.progress import ProgressCallback
from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    IntegrationError,
    OutcomeUnknownError,
    RejectedError,
    UnavailableError,
)
from giftoffice.integrations.partner import (
    BatchRejectedError,
    GiftWrite,
    PartnerSiteClient,
    RemoteGift,
    WireValue,
    read_remote_datetime,
)

logger = logging.getLogger(__name__)

# Sent with every item of a bulk-update, changed or not, as the document's example does: a site that
# validates removal_time > start_time per item needs both.
ALWAYS_IN_UPDATE = ("start_time", "removal_time", "active")
MAX_STORED_ERRORS = 1000
# Remote gifts imported per transaction by a pull; the run's progress is recorded after each.
PULL_BATCH_SIZE = 100


class PushError(Exception):
    """A push or pull that cannot start or could not finish; the message is one readable line.

    `str()` is English (command output, logs); `localized()` is the same line in the active language,
    for the admin. `message` is a msgid marked with gettext_noop, `params` fill its placeholders.
    """

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        with translation.override("en"):
            super().__init__(message % params)

    def localized(self) -> str:
        return gettext(self.message) % self.params


# --- the wire format ----------------------------------------------------------------------------------
def render_gifts(gifts: Iterable[Gift], *, languages: Sequence[str]) -> dict[int, dict[str, WireValue]]:
    """Gift id -> its payload in the document's wire format, only the site's languages, no `id`.

    The same renderer as our own /external/gift/ API (one wire format everywhere); icon/image URLs are
    absolute under PUBLIC_BASE_URL, empty values are null as the document's examples show them.
    """
    payloads = gift_payloads(
        [gift.pk for gift in gifts], media_prefix=media_url_prefix(), include_id=True, languages=languages
    )
    return {payload.pop("id"): payload for payload in payloads}


def render_gift(gift: Gift, *, languages: Sequence[str]) -> dict[str, WireValue]:
    return render_gifts([gift], languages=languages)[gift.pk]


def fingerprint(payload: dict[str, WireValue]) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


# --- the plan -----------------------------------------------------------------------------------------
class PlanAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: WireValue
    new: WireValue


@dataclass(frozen=True)
class PlanItem:
    gift_id: int
    label: str
    action: PlanAction
    payload: dict[str, WireValue]
    remote_id: int | None = None
    changes: tuple[FieldChange, ...] = ()
    # A create sent before whose outcome is unknown: the site is checked for it before creating.
    uncertain: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.payload)

    def update_write(self) -> GiftWrite:
        """What a bulk-update sends: the id, the always-sent fields, and the changed ones."""
        keys = {change.field for change in self.changes} | set(ALWAYS_IN_UPDATE)
        return GiftWrite(id=self.remote_id, fields={k: v for k, v in self.payload.items() if k in keys})


@dataclass(frozen=True)
class PushPlan:
    site_id: int
    items: tuple[PlanItem, ...]

    @property
    def creates(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.CREATE]

    @property
    def updates(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.UPDATE]

    @property
    def unchanged(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.UNCHANGED]

    def as_report(self) -> dict[str, Any]:
        """JSON for the run record and the admin page."""
        return {
            "create": [{"gift": i.gift_id, "label": i.label, "uncertain": i.uncertain} for i in self.creates],
            "update": [
                {
                    "gift": i.gift_id,
                    "label": i.label,
                    "remote_id": i.remote_id,
                    "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in i.changes],
                }
                for i in self.updates
            ],
            "unchanged": [
                {"gift": i.gift_id, "label": i.label, "remote_id": i.remote_id} for i in self.unchanged
            ],
        }


def plan_lines(report: dict[str, Any]) -> list[str]:
    """A plan's report (PushPlan.as_report(), PushRun.report) as plain text, one line per create or update.

    The command's --dry-run output; the admin renders the same dict with its plan template.
    """
    lines = []
    for item in report.get("create", []):
        note = " (sent before, outcome unknown: checked first)" if item.get("uncertain") else ""
        lines.append(f"create     #{item['gift']} {item['label']}{note}")
    for item in report.get("update", []):
        changes = "; ".join(f"{c['field']}: {c['old']!r} -> {c['new']!r}" for c in item["changes"])
        lines.append(f"update     #{item['gift']} {item['label']} (remote #{item['remote_id']}): {changes}")
    return lines


def select_gifts(*, gift_ids: Sequence[int] | None) -> list[Gift]:
    """The gifts of a push, by id (all of them when None); refuses ids that do not exist."""
    if gift_ids is None:
        return list(Gift.objects.order_by("id"))
    wanted = sorted(set(gift_ids))
    gifts = list(Gift.objects.filter(pk__in=wanted).order_by("id"))
    missing = sorted(set(wanted) - {gift.pk for gift in gifts})
    if missing:
        raise PushError(gettext_noop("no gift with id %(ids)s"), ids=", ".join(map(str, missing)))
    return gifts


def _diff(old: dict[str, WireValue] | None, new: dict[str, WireValue]) -> tuple[FieldChange, ...]:
    old = old or {}
    keys = list(new) + [k for k in old if k not in new]
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))


def plan_push(*, site: PartnerSite, gifts: Iterable[Gift]) -> PushPlan:
    """Decide per gift: create, update (with its diff against what was last sent) or unchanged."""
    gifts = list(gifts)
    languages = site.site_languages
    publications = {
        pub.gift_id: pub
        for pub in GiftPublication.objects.filter(site=site, gift_id__in=[gift.pk for gift in gifts])
    }
    payloads = render_gifts(gifts, languages=languages)
    items = []
    for gift in gifts:
        payload = payloads[gift.pk]
        pub = publications.get(gift.pk)
        label = str(gift)
        if pub is None or pub.remote_id is None:
            uncertain = pub is not None and pub.create_sent_at is not None
            items.append(PlanItem(gift.pk, label, PlanAction.CREATE, payload, uncertain=uncertain))
        elif pub.fingerprint != fingerprint(payload):
            changes = _diff(pub.pushed_payload, payload)
            items.append(PlanItem(gift.pk, label, PlanAction.UPDATE, payload, pub.remote_id, changes))
        else:
            items.append(PlanItem(gift.pk, label, PlanAction.UNCHANGED, payload, pub.remote_id))
    return PushPlan(site_id=site.pk, items=tuple(items))


# --- runs ---------------------------------------------------------------------------------------------
def _is_alive(run: PushRun, *, now: datetime) -> bool:
    """Whether a pending or running run may still have someone working on it.

    A run claimed by a queued task is alive exactly while its claim is younger than the django-q2 task
    timeout: the cluster kills a task past it, and the ORM broker hands a task out again only after
    Q_CLUSTER["retry"] (longer than the timeout). So a redelivered task after a worker death finds the
    run dead and resumes it, while a duplicate delivery during the first task's life leaves it alone.
    Runs in a process (commands, small admin pushes) have no time limit: they are alive while their
    heartbeat is younger than PUSH_STALE_RUN_SECONDS, however long they take.
    """
    task_timeout = settings.Q_CLUSTER.get("timeout")
    if run.status == PushRunStatus.RUNNING and run.claimed_by == PushRunClaim.TASK and task_timeout:
        return run.claimed_at is not None and run.claimed_at > now - timedelta(seconds=task_timeout)
    stale_before = now - timedelta(seconds=settings.PUSH_STALE_RUN_SECONDS)
    return (run.heartbeat_at or run.created_at) >= stale_before


def _active_run(*, site: PartnerSite, exclude: int | None = None) -> PushRun | None:
    """A non-dry run on this site that is queued or running and still showing signs of life."""
    runs = PushRun.objects.filter(
        site=site, dry_run=False, status__in=[PushRunStatus.PENDING, PushRunStatus.RUNNING]
    )
    if exclude is not None:
        runs = runs.exclude(pk=exclude)
    now = timezone.now()
    for run in runs.order_by("id"):
        if _is_alive(run, now=now):
            return run
    return None


def start_run(
    *,
    site: PartnerSite,
    kind: PushRunKind = PushRunKind.PUSH,
    gift_ids: Sequence[int] | None = None,
    user: Any = None,
    dry_run: bool = False,
    source: str = "command",
) -> PushRun:
    """Record a pending run; refuses a disabled site or a second active run on the same site."""
    if not site.enabled:
        raise PushError(gettext_noop("partner site %(site)r is disabled"), site=site.name)
    with transaction.atomic():
        PartnerSite.objects.select_for_update().filter(pk=site.pk).first()
        if not dry_run and (other := _active_run(site=site)):
            raise PushError(
                gettext_noop("%(kind)s run #%(id)d on %(site)r is still %(status)s; wait for it to finish"),
                kind=PushRunKind(other.kind).label,
                id=other.pk,
                site=site.name,
                status=PushRunStatus(other.status).label,
            )
        return PushRun.objects.create(
            site=site,
            kind=kind,
            gift_ids=sorted(set(gift_ids)) if gift_ids is not None else None,
            requested_by=user if getattr(user, "pk", None) else None,
            dry_run=dry_run,
            source=source,
        )


def _claim(run_id: int, *, claim: PushRunClaim) -> PushRun | None:
    """Move a run to RUNNING for this worker; None when it is finished or another worker has it."""
    with transaction.atomic():
        run = PushRun.objects.select_for_update().select_related("site").get(pk=run_id)
        if run.is_finished:
            return None
        if run.status == PushRunStatus.RUNNING and _is_alive(run, now=timezone.now()):
            return None
        if not run.dry_run:
            PartnerSite.objects.select_for_update().filter(pk=run.site_id).first()
            other = _active_run(site=run.site, exclude=run.pk)
            if other is not None and other.status == PushRunStatus.RUNNING:
                _finish(run, PushRunStatus.FAILED, message=f"run #{other.pk} on this site was running")
                return None
        run.check_transition(PushRunStatus.RUNNING)
        now = timezone.now()
        run.status = PushRunStatus.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.claimed_by = claim
        run.claimed_at = now
        run.save(update_fields=["status", "started_at", "heartbeat_at", "claimed_by", "claimed_at"])
        return run


def _finish(run: PushRun, status: str, *, message: str = "") -> None:
    run.check_transition(status)
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.heartbeat_at = run.finished_at
    run.save()


def execute_run(*, run_id: int, on_progress: ProgressCallback | None = None, queued: bool = False) -> PushRun:
    """Carry out a recorded run (push or pull). Safe to call twice: a finished run is left alone.

    `queued` is True in the django-q2 task: it tells how long the run may look silent (`_is_alive`).
    """
    run = _claim(run_id, claim=PushRunClaim.TASK if queued else PushRunClaim.PROCESS)
    if run is None:
        return PushRun.objects.get(pk=run_id)
    try:
        if run.kind == PushRunKind.PULL:
            _Puller(run, on_progress).execute()
        else:
            _Pusher(run, on_progress).execute()
    except BaseException as exc:  # also django-q2's TimeoutException (a SystemExit) and Ctrl-C
        logger.exception("push run #%s stopped", run.pk)
        run.refresh_from_db()
        if not run.is_finished:
            _finish(run, PushRunStatus.FAILED, message=_stopped_message(exc))
        raise
    run.refresh_from_db()
    return run


def _stopped_message(exc: BaseException) -> str:
    """Why a run stopped mid-way, for its record: a run left RUNNING would look alive until it goes stale."""
    if isinstance(exc, TimeoutException):
        return (
            f"stopped: the task ran past its time limit ({settings.Q_CLUSTER['timeout']} s); "
            "push again to carry on"
        )
    if not isinstance(exc, Exception):
        return f"stopped: {type(exc).__name__}"
    return f"internal error: {type(exc).__name__}: {exc}"


def push_gifts(
    *,
    site: PartnerSite,
    gift_ids: Sequence[int] | None,
    user: Any = None,
    dry_run: bool = False,
    source: str = "command",
    on_progress: ProgressCallback | None = None,
) -> PushRun:
    """Push now, in this process (commands, small admin pushes); returns the finished run."""
    if gift_ids is not None:  # refuse unknown ids before recording anything (every gift: nothing to check)
        select_gifts(gift_ids=gift_ids)
    run = start_run(site=site, gift_ids=gift_ids, user=user, dry_run=dry_run, source=source)
    return execute_run(run_id=run.pk, on_progress=on_progress)


def runs_in_background(*, gift_count: int) -> bool:
    """Whether the admin's push of this many gifts goes to django-q2 rather than running in the request."""
    return gift_count > settings.PUSH_ASYNC_THRESHOLD


def request_push(*, site: PartnerSite, gift_ids: Sequence[int], user: Any = None) -> tuple[PushRun, bool]:
    """The admin's push: small ones run now, bigger ones in django-q2. Returns (run, queued)."""
    from catalog import tasks_push

    select_gifts(gift_ids=gift_ids)
    run = start_run(site=site, gift_ids=gift_ids, user=user, source="admin")
    if runs_in_background(gift_count=len(set(gift_ids))):
        transaction.on_commit(lambda: tasks_push.enqueue_push_run(run.pk))
        return run, True
    return execute_run(run_id=run.pk), False


def pull_gifts(
    *,
    site: PartnerSite,
    user: Any = None,
    dry_run: bool = False,
    source: str = "command",
    on_progress: ProgressCallback | None = None,
) -> PushRun:
    """Import the site's gifts into our catalog (upsert by remote id); returns the finished run."""
    run = start_run(site=site, kind=PushRunKind.PULL, user=user, dry_run=dry_run, source=source)
    return execute_run(run_id=run.pk, on_progress=on_progress)


def request_pull(*, site: PartnerSite, user: Any = None) -> PushRun:
    """The admin's pull: always in django-q2 (a partner's whole catalog), recorded as a run to watch."""
    from catalog import tasks_push

    run = start_run(site=site, kind=PushRunKind.PULL, user=user, source="admin")
    transaction.on_commit(lambda: tasks_push.enqueue_push_run(run.pk))
    return run


# --- executing a push ---------------------------------------------------------------------------------
class _Abort(Exception):
    """The whole run stops (credentials refused, site unreachable): one line for the run record."""


@dataclass
class _Progress:
    """A run's counts and errors, and how they reach its record and the progress callback.

    One bookkeeping for push and pull: the same fields written the same way, the same cap on errors.
    """

    run: PushRun
    on_progress: ProgressCallback | None = None
    total: int = 0
    done: int = 0
    created: int = 0
    linked: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, *, gift_id: int | None, remote_id: int | None, message: str) -> None:
        """Count a failed item; its error is kept for the record up to MAX_STORED_ERRORS."""
        self.failed += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"gift": gift_id, "remote_id": remote_id, "error": message})

    def notify(self) -> None:
        if self.on_progress:
            self.on_progress(self.done, self.total)

    def save(self, report: dict[str, Any] | None = None) -> None:
        """Write the counts (and the plan's report, if given) to the run record, then tell the callback."""
        values: dict[str, Any] = {
            "total": self.total,
            "done": self.done,
            "created": self.created,
            "linked": self.linked,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "errors": self.errors,
            "heartbeat_at": timezone.now(),
        }
        if report is not None:
            values["report"] = report
        PushRun.objects.filter(pk=self.run.pk).update(**values)
        for key, value in values.items():
            setattr(self.run, key, value)
        self.notify()


class _Pusher:
    def __init__(self, run: PushRun, on_progress: ProgressCallback | None) -> None:
        self.run = run
        self.site = run.site
        self.progress = _Progress(run, on_progress)
        self.client: PartnerSiteClient = client_for(self.site)
        self.publications: dict[int, int] = {}  # gift id -> publication id
        self.settled: set[int] = set()  # gift ids with an outcome in this run

    # -- orchestration --
    def execute(self) -> None:
        gifts = Gift.objects.order_by("id")
        if self.run.gift_ids is not None:  # gifts deleted since the run was requested are simply gone
            gifts = gifts.filter(pk__in=self.run.gift_ids)
        plan = plan_push(site=self.site, gifts=gifts)
        self.progress.total = len(plan.items)
        self.progress.skipped = len(plan.unchanged)
        self.progress.done = self.progress.skipped
        if self.run.dry_run:
            self.progress.created, self.progress.updated = len(plan.creates), len(plan.updates)
            self.progress.done = self.progress.total
            self.progress.save(report=plan.as_report())
            _finish(self.run, PushRunStatus.SUCCEEDED)
            return
        self.progress.save()
        try:
            creates = self._reconcile_uncertain(plan.creates)
            self._ensure_publications(creates)
            for batch in _batches(creates, self.site.batch_size):
                self._create_batch(batch)
                self.progress.save()
            for batch in _batches(plan.updates, self.site.batch_size):
                self._update_batch(batch)
                self.progress.save()
        except _Abort as exc:
            message = str(exc)
            for item in [*plan.creates, *plan.updates]:
                if item.gift_id not in self.settled:
                    self._fail(item, f"not sent: {message}", record=False)
            self.progress.save()
            _finish(self.run, PushRunStatus.FAILED, message=message)
            return
        self.progress.save()
        _finish(self.run, PushRunStatus.PARTIAL if self.progress.failed else PushRunStatus.SUCCEEDED)

    # -- creates --
    def _reconcile_uncertain(self, creates: list[PlanItem]) -> list[PlanItem]:
        """Earlier creates with an unknown outcome: link the copies the site already holds."""
        uncertain = [item for item in creates if item.uncertain]
        if not uncertain:
            return creates
        self._ensure_publications(uncertain)
        _linked, rest = self._reconcile_or_abort(uncertain)
        rest_ids = {item.gift_id for item in rest}
        return [item for item in creates if not item.uncertain or item.gift_id in rest_ids]

    def _create_batch(self, batch: list[PlanItem]) -> None:
        remaining = list(batch)
        attempt = 1
        split = False
        while remaining:
            self._mark_create_sent(remaining)
            try:
                results = self.client.bulk_create([GiftWrite(fields=item.payload) for item in remaining])
            except BatchRejectedError as exc:
                accepted = []
                for item, error in zip(remaining, exc.item_errors, strict=False):
                    if error:
                        self._fail(item, f"refused: {error}", clear_create=True)
                    else:
                        accepted.append(item)
                if len(exc.item_errors) != len(remaining) or split:
                    for item in accepted:
                        self._fail(item, f"refused with its batch: {exc}", clear_create=True)
                    return
                remaining, split = accepted, True  # nothing was written: send the valid ones again
                continue
            except AuthError as exc:
                self._clear_create_sent(remaining)
                raise _Abort(str(exc)) from exc
            except RejectedError as exc:
                for item in remaining:
                    self._fail(item, f"refused: {exc}", clear_create=True)
                return
            except (OutcomeUnknownError, BadResponseError) as exc:
                logger.warning("%s: bulk-create outcome unknown (%s); checking the site", self.site, exc)
                _linked, remaining = self._reconcile_or_abort(remaining)
                attempt += 1
                if remaining and attempt > settings.PUSH_MAX_ATTEMPTS:
                    for item in remaining:
                        self._fail(item, f"outcome unknown after {attempt - 1} attempts: {exc}")
                    return
                self._backoff(attempt, None)
                continue
            except UnavailableError as exc:  # nothing was sent (refused connection, 429)
                attempt += 1
                if attempt > settings.PUSH_MAX_ATTEMPTS:
                    for item in remaining:
                        self._fail(item, f"site unavailable: {exc}", clear_create=True)
                    raise _Abort(f"site unavailable: {exc}") from exc
                self._backoff(attempt, exc.retry_after)
                continue
            with transaction.atomic():  # one commit per batch; a crash here leaves them "create sent"
                for item, remote in zip(remaining, results, strict=True):
                    self._created(item, remote.id, linked=False)
            return

    def _reconcile_or_abort(self, items: list[PlanItem]) -> tuple[list[PlanItem], list[PlanItem]]:
        try:
            return self._reconcile(items)
        except IntegrationError as exc:
            for item in items:
                self._fail(item, f"create outcome unknown and the site could not be checked: {exc}")
            raise _Abort(f"could not read the site's list to check an unknown outcome: {exc}") from exc

    def _reconcile(self, items: list[PlanItem]) -> tuple[list[PlanItem], list[PlanItem]]:
        """Read the remote list and link copies of `items` it already holds; returns (linked, rest).

        A copy matches on the default-language name, start_time and removal_time, is not linked to
        another of our gifts on this site, and copies are taken lowest id first (bulk-create keeps input
        order).
        """
        remote = self.client.list_gifts()
        taken = set(
            GiftPublication.objects.filter(site=self.site, remote_id__isnull=False).values_list(
                "remote_id", flat=True
            )
        )
        candidates: dict[tuple, list[RemoteGift]] = {}
        for gift in sorted(remote, key=lambda g: g.id):
            if gift.id not in taken:
                candidates.setdefault(_match_key(gift.fields), []).append(gift)
        linked, rest = [], []
        for item in items:
            matches = candidates.get(_match_key(item.payload))
            if matches:
                self._created(item, matches.pop(0).id, linked=True)
                linked.append(item)
            else:
                rest.append(item)
        logger.info("%s: reconciled %d of %d gifts already on the site", self.site, len(linked), len(items))
        return linked, rest

    # -- updates --
    def _update_batch(self, batch: list[PlanItem]) -> None:
        remaining = list(batch)
        split = False
        while remaining:
            try:
                self.client.bulk_update([item.update_write() for item in remaining])
            except BatchRejectedError as exc:
                accepted = []
                for item, error in zip(remaining, exc.item_errors, strict=False):
                    if error:
                        self._fail(item, f"refused: {error}")
                    else:
                        accepted.append(item)
                if len(exc.item_errors) != len(remaining) or split:
                    for item in accepted:
                        self._fail(item, f"refused with its batch: {exc}")
                    return
                remaining, split = accepted, True
                continue
            except AuthError as exc:
                raise _Abort(str(exc)) from exc
            except RejectedError as exc:
                for item in remaining:
                    self._fail(item, f"refused: {exc}")
                return
            except BadResponseError as exc:
                for item in remaining:
                    self._fail(item, f"answer unreadable, sent again next push: {exc}")
                return
            except UnavailableError as exc:  # the client already retried these safe calls
                for item in remaining:
                    self._fail(item, f"site unavailable: {exc}")
                raise _Abort(f"site unavailable: {exc}") from exc
            now = timezone.now()
            with transaction.atomic():
                for item in remaining:
                    GiftPublication.objects.filter(site=self.site, gift_id=item.gift_id).update(
                        pushed_payload=item.payload,
                        fingerprint=item.fingerprint,
                        last_pushed_at=now,
                        last_error="",
                        last_error_at=None,
                        updated_at=now,
                    )
                    self.progress.updated += 1
                    self._settle(item)
            return

    # -- bookkeeping --
    def _ensure_publications(self, items: list[PlanItem]) -> None:
        missing = [item.gift_id for item in items if item.gift_id not in self.publications]
        if not missing:
            return
        GiftPublication.objects.bulk_create(
            [GiftPublication(gift_id=gift_id, site=self.site) for gift_id in missing], ignore_conflicts=True
        )
        for pub_id, gift_id in GiftPublication.objects.filter(
            site=self.site, gift_id__in=missing
        ).values_list("pk", "gift_id"):
            self.publications[gift_id] = pub_id

    def _pubs(self, items: Iterable[PlanItem]):
        return GiftPublication.objects.filter(pk__in=[self.publications[item.gift_id] for item in items])

    def _mark_create_sent(self, items: list[PlanItem]) -> None:
        """Committed before the call: if this process dies, the next push knows to check the site."""
        now = timezone.now()
        self._pubs(items).filter(create_sent_at__isnull=True).update(create_sent_at=now, updated_at=now)

    def _clear_create_sent(self, items: list[PlanItem]) -> None:
        self._pubs(items).update(create_sent_at=None, updated_at=timezone.now())

    def _created(self, item: PlanItem, remote_id: int, *, linked: bool) -> None:
        now = timezone.now()
        try:
            with transaction.atomic():
                GiftPublication.objects.filter(pk=self.publications[item.gift_id]).update(
                    remote_id=remote_id,
                    pushed_payload=item.payload,
                    fingerprint=item.fingerprint,
                    last_pushed_at=now,
                    create_sent_at=None,
                    last_error="",
                    last_error_at=None,
                    updated_at=now,
                )
        except IntegrityError:
            self._fail(item, f"the site answered id {remote_id}, already linked to another of our gifts")
            return
        self.progress.created += 1
        self.progress.linked += int(linked)
        self._settle(item)

    def _fail(self, item: PlanItem, message: str, *, record: bool = True, clear_create: bool = False) -> None:
        if record:
            now = timezone.now()
            values: dict[str, Any] = {"last_error": message, "last_error_at": now, "updated_at": now}
            if clear_create:
                values["create_sent_at"] = None
            updated = GiftPublication.objects.filter(site=self.site, gift_id=item.gift_id).update(**values)
            if not updated:
                GiftPublication.objects.create(
                    site=self.site, gift_id=item.gift_id, last_error=message, last_error_at=now
                )
        self.progress.fail(gift_id=item.gift_id, remote_id=item.remote_id, message=message)
        self._settle(item)

    def _settle(self, item: PlanItem) -> None:
        if item.gift_id not in self.settled:
            self.settled.add(item.gift_id)
            self.progress.done += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> None:
        self.progress.save()
        delay = settings.INTEGRATION_BACKOFF_SECONDS * (2 ** (attempt - 2))
        if retry_after is not None:
            delay = max(delay, retry_after)
        if delay > 0:
            time.sleep(min(delay, 30.0))


def _batches(items: list[PlanItem], size: int) -> list[list[PlanItem]]:
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _match_key(fields: Any) -> tuple:
    name = fields.get(DEFAULT_NAME_KEY)
    return (
        name.strip() if isinstance(name, str) else None,
        read_remote_datetime(fields.get("start_time")),
        read_remote_datetime(fields.get("removal_time")),
    )


# --- pull ---------------------------------------------------------------------------------------------
class _Puller:
    """Onboarding: the site's gifts become ours. Matched by remote id through publications.

    The writes commit batch by batch (an item's gift and publication always together), and the progress
    is recorded after each commit, so the run page follows a long pull. A pull stopped midway has
    imported whole batches only; pulling again finishes it (upsert by remote id).
    """

    def __init__(self, run: PushRun, on_progress: ProgressCallback | None) -> None:
        self.run = run
        self.site = run.site
        self.progress = _Progress(run, on_progress)
        self.media_prefix = media_url_prefix()

    def execute(self) -> None:
        try:
            remote = client_for(self.site).list_gifts()
        except IntegrationError as exc:
            _finish(self.run, PushRunStatus.FAILED, message=str(exc))
            return
        languages = self.site.site_languages
        publications = {
            pub.remote_id: pub
            for pub in GiftPublication.objects.filter(site=self.site, remote_id__isnull=False).select_related(
                "gift"
            )
        }
        self.progress.total = len(remote)
        self.progress.save()
        for start in range(0, len(remote), PULL_BATCH_SIZE):
            batch = remote[start : start + PULL_BATCH_SIZE]
            with transaction.atomic():
                for item in batch:
                    self._one(item, publications.get(item.id), languages)
            self.progress.done += len(batch)
            self.progress.save()  # outside the batch's transaction: visible while the pull goes on
        _finish(self.run, PushRunStatus.PARTIAL if self.progress.failed else PushRunStatus.SUCCEEDED)

    def _one(self, remote: RemoteGift, pub: GiftPublication | None, languages: list[str]) -> None:
        # The API's own input rules: what a partner could not send us through our API is not imported.
        values, errors = clean_wire_item(
            item=_wire_item(remote, languages), media_prefix=self.media_prefix, for_create=pub is None
        )
        if errors:
            self.progress.fail(
                gift_id=None,
                remote_id=remote.id,
                message="; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()),
            )
            return
        gift = pub.gift if pub is not None else Gift()
        values = {key: "" if value is None else value for key, value in values.items()}
        changed = any(_comparable(getattr(gift, key)) != _comparable(value) for key, value in values.items())
        for key, value in values.items():
            setattr(gift, key, value)
        if pub is None:
            self.progress.created += 1
        elif changed:
            self.progress.updated += 1
        else:
            self.progress.skipped += 1
        if self.run.dry_run or (pub is not None and not changed and pub.fingerprint):
            return
        gift.save()
        payload = render_gift(gift, languages=languages)
        GiftPublication.objects.update_or_create(
            site=self.site,
            gift=gift,
            defaults={
                "remote_id": remote.id,
                "pushed_payload": payload,
                "fingerprint": fingerprint(payload),
                "create_sent_at": None,
                "last_error": "",
                "last_error_at": None,
            },
        )


def _wire_item(remote: RemoteGift, languages: list[str]) -> dict[str, Any]:
    """The remote gift's wire keys we import: only the site's languages, only keys it answered."""
    keys = [f"{name}_{lang}" for name in TRANSLATED_FIELDS for lang in languages]
    keys += ["start_time", "removal_time", "active"]
    return {key: remote.fields[key] for key in keys if key in remote.fields}


def _comparable(value: Any) -> Any:
    """Empty is empty: a NULL column, an empty string and a file field without a file compare equal."""
    if isinstance(value, FieldFile):
        return value.name or ""
    return "" if value is None else value
