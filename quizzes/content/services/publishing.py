"""The editorial workflow of a card: draft → in review → published → retired.

`cards_publish` is the one way a card becomes published (the admin's form and bulk action, the CSV
import and the article importer all call it). Publishing is a sign-off: it records who signed the
card off and when (the learner's "last reviewed" date), and it needs
- the publishing rules (quizzes.content.validation) and the mechanical part of the item-writing
  standard, docs/item-writing.md (quizzes.content.itemcheck);
- where the second sign-off rule applies (setting BONELEARN_SECOND_SIGNOFF, on by default, and at
  least two active people hold the sign-off permission): a card in review that someone other than
  the signer sent there, so two instructors have read every published wording.
A system sign-off (``by=None``) must say in ``note`` what was reviewed: the importer uses it for a
curated card set that was reviewed as a file (see import_cards).

Every write here records the card's history (django-simple-history) with who did it and why, and
published cards are announced (`cards_published`) so the review app can give them to the learners
who already read their topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from simple_history.utils import bulk_update_with_history

from quizzes.content.itemcheck import item_problems
from quizzes.content.models import Card, CardStatus
from quizzes.content.signals import cards_published
from quizzes.content.validation import card_problems

SIGNOFF_PERMISSION = "content.signoff_card"
NOT_A_SIGNER = "You cannot sign off cards: ask an instructor who holds the sign-off permission."
SEND_FOR_REVIEW_FIRST = (
    "Send it for review first: a second instructor signs it off before it is published."
)
OWN_SUBMISSION = "You sent this card for review, so another instructor signs it off."
# Item checks that repeat a publishing rule of quizzes.content.validation (said once is enough).
SAID_BY_VALIDATION = frozenset({"empty-explanation"})
# What a learner reads; a change to any of it needs a new sign-off.
WORDING_FIELDS = (
    "kind",
    "front",
    "back",
    "explanation",
    "accepted_answers",
    "clinical_note",
    "note_reference",
)


@dataclass
class PublishResult:
    published: list[Card] = field(default_factory=list)
    already_published: list[Card] = field(default_factory=list)
    # Cards refused stay as they were, each with the problems to fix.
    skipped: list[tuple[Card, list[str]]] = field(default_factory=list)
    unlocked: int = 0


@dataclass
class SubmitResult:
    submitted: list[Card] = field(default_factory=list)
    skipped: list[tuple[Card, list[str]]] = field(default_factory=list)


# --- the rules --------------------------------------------------------------------------------


def content_problems(
    *,
    kind: str,
    front: str,
    back: str,
    explanation: str,
    has_lesson: bool,
    choices: list[tuple[str, bool]],
    critical: bool,
) -> list[str]:
    """What keeps a card with these fields from being published: the rules every card needs and
    the mechanical item-writing checks of docs/item-writing.md."""
    problems = card_problems(
        kind=kind,
        front=front,
        explanation=explanation,
        has_lesson=has_lesson,
        choices=choices,
        publishing=True,
        back=back,
    )
    faults = item_problems(
        kind=kind,
        front=front,
        back=back,
        explanation=explanation,
        choices=choices,
        critical=critical,
    )
    return problems + [
        f"Item-writing standard: {fault.message}"
        for fault in faults
        if fault.code not in SAID_BY_VALIDATION
    ]


def problems_for_publishing(card: Card) -> list[str]:
    """The card's publishing problems, judged on its saved fields and choices.

    A draft marked "needs edit" (the importer's item checks found a fault) waits for an
    instructor to fix it and clear the mark; bulk publishing must not release it as it is.
    """
    if card.needs_edit.strip():
        return [f"Needs edit: {card.needs_edit.strip()}"]
    return content_problems(
        kind=card.kind,
        front=card.front,
        back=card.back,
        explanation=card.explanation,
        has_lesson=card.lesson_id is not None,
        choices=[(choice.text, choice.is_correct) for choice in card.choices.all()],
        critical=card.critical,
    )


def signers_count() -> int:
    """Active people who hold the sign-off permission themselves or through a group (superusers
    who hold it only implicitly are site administrators, not clinical reviewers)."""
    app_label, codename = SIGNOFF_PERMISSION.split(".")
    holds = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return get_user_model().objects.filter(holds, is_active=True).distinct().count()


def second_signoff_required() -> bool:
    """True when publishing needs a second instructor: the setting is on and two signers exist."""
    return bool(getattr(settings, "BONELEARN_SECOND_SIGNOFF", True)) and signers_count() >= 2


def signoff_refusal(
    *, status: str, submitted_by_id: int | None, by: Any, second_required: bool
) -> str | None:
    """Why `by` may not sign off an unpublished card in `status`, sent by `submitted_by_id`."""
    if by is not None and not by.has_perm(SIGNOFF_PERMISSION):
        return NOT_A_SIGNER
    if not second_required:
        return None
    if status != CardStatus.IN_REVIEW:
        return SEND_FOR_REVIEW_FIRST
    if submitted_by_id is not None and submitted_by_id == by.pk:
        return OWN_SUBMISSION
    return None


def _card_ids(cards: Iterable[Card]) -> list[int]:
    if isinstance(cards, QuerySet):
        return list(cards.values_list("pk", flat=True))
    return [card.pk for card in cards]


def _save(cards: list[Card], fields: list[str], *, by: Any, reason: str) -> None:
    """Write the changed fields and one history record per card (who, why)."""
    if cards:
        bulk_update_with_history(
            cards,
            Card,
            [*fields, "updated_at"],
            default_user=by,
            default_change_reason=reason,
        )


# --- publishing (signing off) -----------------------------------------------------------------


@transaction.atomic
def cards_publish(
    *, cards: Iterable[Card], now: datetime, by: Any, note: str = ""
) -> PublishResult:
    """Sign off and publish the cards that meet the rules, skip the others with their problems,
    and announce the published ones.

    `by` is the instructor signing off, or None for a system sign-off described by `note`.
    Already-published cards are announced again, so a learner who missed one still gets it.
    """
    if by is None and not note.strip():
        raise ValueError("A system sign-off needs a note saying what was reviewed.")
    result = PublishResult()
    locked = list(
        Card.objects.select_for_update(of=("self",))
        .filter(pk__in=_card_ids(cards))
        .prefetch_related("choices")
        .order_by("pk")
    )
    second = by is not None and second_signoff_required()
    to_publish: list[Card] = []
    for card in locked:
        if card.status == CardStatus.PUBLISHED:
            result.already_published.append(card)
            continue
        problems = problems_for_publishing(card)
        refusal = signoff_refusal(
            status=card.status, submitted_by_id=card.submitted_by_id, by=by, second_required=second
        )
        if refusal:
            problems.append(refusal)
        if problems:
            result.skipped.append((card, problems))
        else:
            to_publish.append(card)
    for card in to_publish:
        card.status = CardStatus.PUBLISHED
        card.signed_off_by = by
        card.signed_off_at = now
        card.signoff_note = note.strip()[:300]
        card.updated_at = now
    _save(
        to_publish,
        ["status", "signed_off_by", "signed_off_at", "signoff_note"],
        by=by,
        reason="Signed off and published" + ("" if by else " (system sign-off, see its note)"),
    )
    result.published = to_publish
    announced = to_publish + result.already_published
    if announced:
        replies = cards_published.send(sender=Card, cards=announced, now=now)
        result.unlocked = sum(reply for _, reply in replies if isinstance(reply, int))
    return result


# --- the other moves --------------------------------------------------------------------------


@transaction.atomic
def cards_submit_for_review(*, cards: Iterable[Card], by: Any, now: datetime) -> SubmitResult:
    """Send cards for review (a published card leaves learners' queues until signed off again);
    a card that fails the publishing rules stays where it is, with its problems."""
    result = SubmitResult()
    locked = (
        Card.objects.select_for_update(of=("self",))
        .filter(pk__in=_card_ids(cards))
        .exclude(status=CardStatus.IN_REVIEW)
        .prefetch_related("choices")
        .order_by("pk")
    )
    for card in locked:
        problems = problems_for_publishing(card)
        if problems:
            result.skipped.append((card, problems))
            continue
        card.status, card.submitted_by, card.updated_at = CardStatus.IN_REVIEW, by, now
        result.submitted.append(card)
    _save(result.submitted, ["status", "submitted_by"], by=by, reason="Sent for review")
    return result


@transaction.atomic
def cards_set_status(
    *, cards: Iterable[Card], status: str, now: datetime, by: Any = None
) -> list[Card]:
    """Move cards back to draft or retire them (learner history is kept); returns the cards that
    changed."""
    if status not in (CardStatus.DRAFT, CardStatus.ARCHIVED):
        raise ValueError(
            "Publish with cards_publish and send for review with "
            "cards_submit_for_review: both check the card first."
        )
    changed = list(Card.objects.filter(pk__in=_card_ids(cards)).exclude(status=status))
    for card in changed:
        card.status, card.updated_at = status, now
    reason = "Retired" if status == CardStatus.ARCHIVED else "Back to draft"
    _save(changed, ["status"], by=by, reason=reason)
    return changed


@transaction.atomic
def cards_mark_critical(
    *, cards: Iterable[Card], critical: bool, now: datetime, by: Any = None
) -> list[Card]:
    """Mark cards critical (higher retention target) or ordinary; returns those that changed."""
    changed = list(Card.objects.filter(pk__in=_card_ids(cards)).exclude(critical=critical))
    for card in changed:
        card.critical, card.updated_at = critical, now
    reason = "Marked critical" if critical else "Marked not critical"
    _save(changed, ["critical"], by=by, reason=reason)
    return changed


# --- a published card's wording changes ---------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """What a learner reads on a card: its texts and its choices, as compared for a new sign-off."""

    texts: tuple[str, ...]
    choices: tuple[tuple[str, bool], ...]


def _plain(value: Any) -> str:
    # The admin turns "\n" into "\r\n" and strips ends when it saves; that is no change of wording.
    return str(value).replace("\r\n", "\n").strip()


def wording_of(card: Card) -> Wording:
    """The card's current wording, read from the database (its choices included)."""
    saved = Card.objects.prefetch_related("choices").get(pk=card.pk)
    return Wording(
        texts=tuple(_plain(getattr(saved, name)) for name in WORDING_FIELDS),
        choices=tuple((_plain(c.text), c.is_correct) for c in saved.choices.all()),
    )


@transaction.atomic
def card_reworded(*, card: Card, before: Wording, by: Any, now: datetime) -> bool:
    """After an edit: a published card whose wording differs from `before` goes back to review,
    sent by the editor, and leaves learners' queues until signed off again. True if it did."""
    saved = Card.objects.select_for_update(of=("self",)).get(pk=card.pk)
    if saved.status != CardStatus.PUBLISHED or wording_of(saved) == before:
        return False
    saved.status, saved.submitted_by, saved.updated_at = CardStatus.IN_REVIEW, by, now
    _save([saved], ["status", "submitted_by"], by=by, reason="Wording changed: back to review")
    card.status, card.submitted_by = saved.status, by
    return True
