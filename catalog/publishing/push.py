"""Carrying out a push run: creates then updates, batch by batch, every outcome on its publication.

See the package docstring for the flow; `reconcile` for what happens after a lost bulk-create answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Gift, GiftPublication, PushRun
from catalog.publishing.plan import PlanItem, plan_push
from catalog.publishing.reconcile import highest_id, reconcile
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
from giftoffice.integrations.partner import BatchRejectedError, GiftWrite, PartnerSiteClient
from giftoffice.runs.services import RunFailed, save_progress

logger = logging.getLogger(__name__)


class Pusher:
    """One push run's work. Counts and errors go on the run record as they happen."""

    def __init__(self, run: PushRun, on_progress: ProgressCallback | None = None) -> None:
        self.run = run
        self.site = run.site
        self.on_progress = on_progress
        self.client: PartnerSiteClient = client_for(self.site)
        self.publications: dict[int, int] = {}  # gift id -> publication id
        self.settled: set[int] = set()  # gift ids with an outcome in this run
        # The highest remote id the site held before our next bulk-create (None: not read yet).
        self.watermark: int | None = None

    # -- orchestration --
    def execute(self) -> None:
        run = self.run
        gifts = Gift.objects.order_by("id")
        if run.gift_ids is not None:  # gifts deleted since the run was requested are simply gone
            gifts = gifts.filter(pk__in=run.gift_ids)
        plan = plan_push(site=self.site, gifts=gifts)
        run.total = len(plan.items)
        run.skipped = len(plan.unchanged)
        run.done = run.skipped
        if run.dry_run:
            self._check_reachable()
            run.created, run.updated = len(plan.creates), len(plan.updates)
            run.done = run.total
            run.report = plan.as_report()
            self.save("report")
            return
        self.save()
        try:
            creates = self._reconcile_uncertain(plan.creates)
            self._ensure_publications(creates)
            for batch in _batches(creates, self.site.batch_size):
                self._create_batch(batch)
                self.save()
            for batch in _batches(plan.updates, self.site.batch_size):
                self._update_batch(batch)
                self.save()
        except _Abort as exc:
            message = str(exc)
            for item in [*plan.creates, *plan.updates]:
                if item.gift_id not in self.settled:
                    self._fail(item, f"not sent: {message}", record=False)
            self.save()
            raise RunFailed(message) from exc
        self.save()

    def _check_reachable(self) -> None:
        """A dry run sends nothing, but a plan for a site we cannot reach is no success."""
        try:
            self.client.list_gifts()
        except IntegrationError as exc:
            raise RunFailed(f"could not read the site's list: {exc}") from exc  # the error names the URL

    def save(self, *extra: str) -> None:
        save_progress(self.run, *self.run.COUNT_FIELDS, *extra)
        if self.on_progress:
            self.on_progress(self.run.done, self.run.total)

    # -- creates --
    def _reconcile_uncertain(self, creates: list[PlanItem]) -> list[PlanItem]:
        """Earlier creates with an unknown outcome: adopt the copies the site already holds."""
        uncertain = [item for item in creates if item.uncertain]
        if not uncertain:
            return creates
        self._ensure_publications(uncertain)
        rest = self._reconcile_or_abort(
            uncertain, above={item.gift_id: item.sent_above_id for item in uncertain}
        )
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
                remaining, split = self._without_refused(remaining, exc, split=split, clear_create=True), True
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
                above = self._watermarks(remaining)
                remaining = self._reconcile_or_abort(remaining, above=above)
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
            # Ids grow: whatever the site held before our next batch is at most our highest new id.
            self.watermark = max(self.watermark or 0, highest_id(results))
            return

    def _reconcile_or_abort(self, items: list[PlanItem], *, above: dict[int, int | None]) -> list[PlanItem]:
        """Read the remote list, adopt our copies, report the doubtful ones; returns the items to create."""
        try:
            remote = self.client.list_gifts()
        except IntegrationError as exc:
            for item in items:
                self._fail(item, f"create outcome unknown and the site could not be checked: {exc}")
            raise _Abort(f"could not read the site's list to check an unknown outcome: {exc}") from exc
        taken = set(
            GiftPublication.objects.filter(site=self.site, remote_id__isnull=False).values_list(
                "remote_id", flat=True
            )
        )
        result = reconcile(items, remote=remote, taken=taken, above=above)
        for item, remote_id in result.adopted:
            self._created(item, remote_id, linked=True)
        for item, reason in result.for_staff:
            self._fail(item, reason)  # create_sent_at stays: the next push checks again, never re-creates
        # Everything the site holds now predates the next attempt.
        self.watermark = max(self.watermark or 0, highest_id(remote))
        logger.info(
            "%s: reconciled %d of %d gifts already on the site, %d left for staff",
            self.site,
            len(result.adopted),
            len(items),
            len(result.for_staff),
        )
        return result.to_create

    # -- updates --
    def _update_batch(self, batch: list[PlanItem]) -> None:
        remaining = list(batch)
        split = False
        while remaining:
            try:
                self.client.bulk_update([item.update_write() for item in remaining])
            except BatchRejectedError as exc:
                remaining, split = self._without_refused(remaining, exc, split=split), True
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
                    self.run.updated += 1
                    self._settle(item)
            return

    def _without_refused(
        self, items: list[PlanItem], exc: BatchRejectedError, *, split: bool, clear_create: bool = False
    ) -> list[PlanItem]:
        """A batch refused item by item wrote nothing: fail the refused items and return the accepted
        ones to send once more. A second refusal (or errors not aligned with the input) fails them all."""
        accepted = []
        for item, error in zip(items, exc.item_errors, strict=False):
            if error:
                self._fail(item, f"refused: {error}", clear_create=clear_create)
            else:
                accepted.append(item)
        if len(exc.item_errors) != len(items) or split:
            for item in accepted:
                self._fail(item, f"refused with its batch: {exc}", clear_create=clear_create)
            return []
        return accepted

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
        """Committed before the call, with the highest remote id the site holds before it: if this
        process dies, the next push knows to check the site, and which remote gifts can be ours."""
        if self.watermark is None:
            self.watermark = self._read_watermark(items)
        now = timezone.now()
        self._pubs(items).filter(create_sent_at__isnull=True).update(
            create_sent_at=now, create_sent_above_id=self.watermark, updated_at=now
        )

    def _read_watermark(self, items: list[PlanItem]) -> int:
        """The highest remote id on the site now, before our first create (a safe GET, retried)."""
        try:
            return highest_id(self.client.list_gifts())
        except AuthError as exc:
            raise _Abort(str(exc)) from exc
        except UnavailableError as exc:
            for item in items:
                self._fail(item, f"site unavailable: {exc}", clear_create=True)
            raise _Abort(f"site unavailable: {exc}") from exc
        except IntegrationError as exc:
            for item in items:
                self._fail(item, f"not sent: the site's list could not be read: {exc}", clear_create=True)
            raise _Abort(f"could not read the site's list before creating: {exc}") from exc

    def _watermarks(self, items: list[PlanItem]) -> dict[int, int | None]:
        return dict(
            GiftPublication.objects.filter(
                pk__in=[self.publications[item.gift_id] for item in items]
            ).values_list("gift_id", "create_sent_above_id")
        )

    def _clear_create_sent(self, items: list[PlanItem]) -> None:
        self._pubs(items).update(create_sent_at=None, create_sent_above_id=None, updated_at=timezone.now())

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
                    create_sent_above_id=None,
                    last_error="",
                    last_error_at=None,
                    updated_at=now,
                )
        except IntegrityError:
            self._fail(item, f"the site answered id {remote_id}, already linked to another of our gifts")
            return
        self.run.created += 1
        self.run.linked += int(linked)
        self._settle(item)

    def _fail(self, item: PlanItem, message: str, *, record: bool = True, clear_create: bool = False) -> None:
        if record:
            now = timezone.now()
            values: dict[str, Any] = {"last_error": message, "last_error_at": now, "updated_at": now}
            if clear_create:
                values["create_sent_at"] = None
                values["create_sent_above_id"] = None
            updated = GiftPublication.objects.filter(site=self.site, gift_id=item.gift_id).update(**values)
            if not updated:
                GiftPublication.objects.create(
                    site=self.site, gift_id=item.gift_id, last_error=message, last_error_at=now
                )
        self.run.failed += 1
        self.run.add_error(gift=item.gift_id, remote_id=item.remote_id, error=message)
        self._settle(item)

    def _settle(self, item: PlanItem) -> None:
        if item.gift_id not in self.settled:
            self.settled.add(item.gift_id)
            self.run.done += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> None:
        self.save()
        delay = settings.INTEGRATION_BACKOFF_SECONDS * (2 ** (attempt - 2))
        if retry_after is not None:
            delay = max(delay, retry_after)
        if delay > 0:
            time.sleep(min(delay, 30.0))


class _Abort(Exception):
    """The whole run stops (credentials refused, site unreachable): one line for the run record."""


def _batches(items: list[PlanItem], size: int) -> list[list[PlanItem]]:
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)]
