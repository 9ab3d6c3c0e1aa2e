"""Certificates: issued once per completion with what it certifies fixed at that moment, revoked
by an instructor (the public verification page then says revoked)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from quizzes.training.errors import CertificateRevoked
from quizzes.training.models import Certificate, Completion

logger = logging.getLogger(__name__)


def certificate_issuer() -> str:
    """The organisation named on certificates (BONELEARN_CERTIFICATE_ISSUER)."""
    return settings.BONELEARN_CERTIFICATE_ISSUER


def certificate_issue(*, completion: Completion, now: datetime) -> Certificate:
    """The completion's certificate, issued now if it has none: the learner's full name (the
    username when the account has no name), module title and version, score, date, CPD hours,
    issuer, and an unguessable code (80 random bits). Idempotent."""
    existing = Certificate.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    user, module = completion.user, completion.module
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                completion=completion,
                learner_name=user.get_full_name() or user.get_username(),
                module_title=module.title,
                module_version=module.version,
                score=completion.score,
                completed_at=completion.completed_at,
                cpd_hours=module.cpd_hours,
                issuer=certificate_issuer(),
                issued_at=now,
            )
    except IntegrityError:
        # Issued by a concurrent request (the completion is unique) meanwhile.
        return Certificate.objects.get(completion=completion)


def certificate_revoke(
    *, certificate: Certificate, by: Any, reason: str, now: datetime
) -> Certificate:
    """Revoke the certificate (who, when, why are kept). Raises CertificateRevoked if it already
    was: the first revocation's record stands."""
    with transaction.atomic():
        changed = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, revocation_reason=reason.strip()[:300]
        )
        if not changed:
            raise CertificateRevoked(f"Certificate {certificate.code} was already revoked.")
    certificate.refresh_from_db()
    logger.warning("certificate %s revoked by %s: %s", certificate.code, by.get_username(), reason)
    return certificate
