"""The apology slips of many dossiers in one ZIP, built by a background job (issue 15 item 5).

`/apologies/slips.zip` rendered every selected slip inside the web request: 300 took 46 s, past the
worker timeout for the province office's 892. Up to SYNC_LIMIT slips are still built in the
request (about 0,15–0,45 s each as a PDF: a few seconds at most); more become a `SlipBundle` that
a Celery task builds (inline when no Redis is configured, as every job), saving its progress after
each slip, while the page polls it (HTMX, like an import) and offers the ZIP when it is done.

The task checks the scope again with the requesting user (a dossier they may no longer act on is
left out), writes the ZIP to a temporary file (memory stays flat whatever the number of slips) and
claims the bundle with a conditional update, so a message delivered twice, or again after a
killed worker, builds it again from scratch instead of half. `slip_bundles_sweep` (beat, every 5
minutes) sends again the bundles left pending while Redis was down, fails those stuck running,
and deletes bundles, with their files, a day after they were asked for.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import apology_slip as slips
from dossiers.apologies import apology_dossiers_for_user
from dossiers.models import Dossier, SlipBundle, SlipBundleStatus

logger = logging.getLogger(__name__)

SYNC_LIMIT = 10  # at most this many slips are built inside the web request
RESEND_AFTER = timedelta(minutes=2)  # a bundle still pending this long is sent again
STUCK_AFTER = timedelta(minutes=30)  # a bundle running this long has lost its worker
KEEP_FOR = timedelta(days=1)  # then the bundle and its file are deleted

ACTIVE = (SlipBundleStatus.PENDING, SlipBundleStatus.RUNNING)


def slip_bundle_start(
    *, user: AbstractBaseUser, dossiers: Sequence[Dossier], fmt: str
) -> SlipBundle:
    """Record the request and hand it to the queue once the transaction commits."""
    codes = [d.code for d in dossiers if getattr(d, "apology", None) is not None]
    bundle = SlipBundle.objects.create(requested_by=user, fmt=fmt, codes=codes, total=len(codes))
    transaction.on_commit(lambda: _send(bundle.pk))
    return bundle


def _send(bundle_id: UUID) -> bool:
    from dossiers.tasks import apology_slip_bundle_build_task
    from kpi_portal.celery import send_or_defer

    return send_or_defer(apology_slip_bundle_build_task, str(bundle_id))


def slip_bundle_build(*, bundle_id: UUID | str) -> SlipBundle | None:
    """Build the bundle's ZIP (the task's body). Does nothing for one already done or failed."""
    now = timezone.now()
    claimed = SlipBundle.objects.filter(pk=bundle_id, status__in=ACTIVE).update(
        status=SlipBundleStatus.RUNNING, started_at=now, done=0
    )
    bundle = SlipBundle.objects.filter(pk=bundle_id).select_related("requested_by").first()
    if not claimed or bundle is None:
        return bundle
    try:
        _build(bundle)
    except Exception as exc:  # the person is told; the log keeps the details
        logger.exception("slip bundle %s failed", bundle.pk)
        SlipBundle.objects.filter(pk=bundle.pk).update(
            status=SlipBundleStatus.FAILED,
            finished_at=timezone.now(),
            error=_("Không tạo được tệp phiếu (%(error)s). Hãy tạo lại.")
            % {"error": type(exc).__name__},
        )
    bundle.refresh_from_db()
    return bundle


def _build(bundle: SlipBundle) -> None:
    dossiers = list(
        apology_dossiers_for_user(user=bundle.requested_by, codes=bundle.codes)
        .filter(apology__isnull=False)
        .order_by("due_at", "id")
    )
    SlipBundle.objects.filter(pk=bundle.pk).update(total=len(dossiers))
    with tempfile.TemporaryFile(suffix=".zip") as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, dossier in enumerate(dossiers, start=1):
                archive.writestr(
                    slips.slip_file_name(dossier, bundle.fmt),
                    slips.apology_slip(dossier=dossier, fmt=bundle.fmt),
                )
                SlipBundle.objects.filter(pk=bundle.pk).update(done=done)
        buffer.seek(0)
        if bundle.file:
            bundle.file.delete(save=False)  # built before by a delivery that did not finish
        bundle.file.save(f"{bundle.pk}.zip", File(buffer), save=False)
    SlipBundle.objects.filter(pk=bundle.pk).update(
        file=bundle.file.name, status=SlipBundleStatus.DONE, finished_at=timezone.now()
    )


def slip_bundle_for_user(*, user: AbstractBaseUser, bundle_id: UUID) -> SlipBundle | None:
    """The bundle if this user asked for it (anyone else: not found)."""
    return SlipBundle.objects.filter(pk=bundle_id, requested_by=user).first()


def slip_bundle_delayed(bundle: SlipBundle) -> bool:
    """Still waiting for a worker well after it was asked for (Redis down, a long queue)."""
    return bundle.status == SlipBundleStatus.PENDING and (
        timezone.now() - bundle.created_at > timedelta(seconds=30)
    )


def slip_bundles_sweep() -> dict[str, int]:
    """Send again, fail or delete bundles as the module says; return how many of each."""
    now = timezone.now()
    resent = 0
    for pk in SlipBundle.objects.filter(
        status=SlipBundleStatus.PENDING, created_at__lt=now - RESEND_AFTER
    ).values_list("pk", flat=True):
        resent += _send(pk)
    failed = SlipBundle.objects.filter(
        status=SlipBundleStatus.RUNNING, started_at__lt=now - STUCK_AFTER
    ).update(
        status=SlipBundleStatus.FAILED,
        finished_at=now,
        error=_("Việc tạo tệp bị gián đoạn. Hãy tạo lại."),
    )
    deleted = 0
    for bundle in SlipBundle.objects.filter(created_at__lt=now - KEEP_FOR):
        if bundle.file:
            bundle.file.delete(save=False)
        bundle.delete()
        deleted += 1
    return {"resent": resent, "failed": failed, "deleted": deleted}
