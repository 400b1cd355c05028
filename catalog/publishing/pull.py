"""Carrying out a pull run: a partner site's gifts become ours (onboarding), upserted by remote id."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.fields.files import FieldFile

from catalog.gift_fields import TRANSLATED_FIELDS
from catalog.models import Gift, GiftPublication, PullRun
from catalog.publishing.render import fingerprint, render_gift
from catalog.selectors.gift_wire import media_url_prefix
from catalog.services.gift_input import clean_wire_item
from catalog.services.partner_sites import client_for
from catalog.services.progress import ProgressCallback
from giftoffice.integrations.base import IntegrationError
from giftoffice.integrations.partner import RemoteGift
from giftoffice.runs.services import RunFailed, save_progress

# Remote gifts imported per transaction; the run's progress is recorded after each.
PULL_BATCH_SIZE = 100


class Puller:
    """Onboarding: the site's gifts become ours. Matched by remote id through publications.

    The writes commit batch by batch (an item's gift and publication always together), and the progress
    is recorded after each commit, so the run page follows a long pull. A pull stopped midway has
    imported whole batches only; pulling again finishes it (upsert by remote id).
    """

    def __init__(self, run: PullRun, on_progress: ProgressCallback | None = None) -> None:
        self.run = run
        self.site = run.site
        self.on_progress = on_progress
        self.media_prefix = media_url_prefix()

    def execute(self) -> None:
        try:
            remote = client_for(self.site).list_gifts()
        except IntegrationError as exc:
            raise RunFailed(str(exc)) from exc
        languages = self.site.site_languages
        publications = {
            pub.remote_id: pub
            for pub in GiftPublication.objects.filter(site=self.site, remote_id__isnull=False).select_related(
                "gift"
            )
        }
        self.run.total = len(remote)
        self.save()
        for start in range(0, len(remote), PULL_BATCH_SIZE):
            batch = remote[start : start + PULL_BATCH_SIZE]
            with transaction.atomic():
                for item in batch:
                    self._one(item, publications.get(item.id), languages)
            self.run.done += len(batch)
            self.save()  # outside the batch's transaction: visible while the pull goes on

    def save(self) -> None:
        save_progress(self.run, *self.run.COUNT_FIELDS)
        if self.on_progress:
            self.on_progress(self.run.done, self.run.total)

    def _one(self, remote: RemoteGift, pub: GiftPublication | None, languages: list[str]) -> None:
        # The API's own input rules: what a partner could not send us through our API is not imported.
        values, errors = clean_wire_item(
            item=_wire_item(remote, languages), media_prefix=self.media_prefix, for_create=pub is None
        )
        if errors:
            self.run.failed += 1
            self.run.add_error(
                gift=None,
                remote_id=remote.id,
                error="; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()),
            )
            return
        gift = pub.gift if pub is not None else Gift()
        values = {key: "" if value is None else value for key, value in values.items()}
        changed = any(_comparable(getattr(gift, key)) != _comparable(value) for key, value in values.items())
        for key, value in values.items():
            setattr(gift, key, value)
        if pub is None:
            self.run.created += 1
        elif changed:
            self.run.updated += 1
        else:
            self.run.skipped += 1
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
