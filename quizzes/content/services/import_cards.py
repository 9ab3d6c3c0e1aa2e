"""Writing an article's cards: curated and generated drafts matched by key, updated in place,
published through the publishing service, retired (archived or deleted) when their fact is gone."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from quizzes.content.cardgen import CardDraft
from quizzes.content.models import Article, Card, CardOrigin, CardStatus, Choice, Lesson, Topic
from quizzes.content.services.fingerprints import CARD_FIELDS, card_fingerprint, current_values
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.publishing import (
    SIGNOFF_PERMISSION,
    WORDING_FIELDS,
    cards_publish,
    cards_submit_for_review,
    second_signoff_required,
)
from quizzes.content.usage import in_use_ids

GENERATED_POSITIONS = 1000  # generated drafts sort after the curated cards of the same lesson
IMPORTED = "Written by the article import"
CURATED_SIGNOFF = "Curated set reviewed against docs/item-writing.md, imported with {source}"


def _replace_choices(
    card: Card, choices: list[tuple[str, bool]]
) -> tuple[list[Choice], list[Choice], list[int]]:
    """Rewrite a card's choices in place by position, so surviving choices keep their ids."""
    old = list(card.choices.all())
    updates, creates = [], []
    for position, (text, correct) in enumerate(choices):
        if position < len(old):
            choice = old[position]
            if (choice.text, choice.is_correct, choice.position) != (text, correct, position):
                choice.text, choice.is_correct, choice.position = text, correct, position
                updates.append(choice)
        else:
            creates.append(Choice(card=card, text=text, is_correct=correct, position=position))
    deletes = [choice.id for choice in old[len(choices) :]]
    return updates, creates, deletes


@dataclass
class _CardPlan:
    """The writes one import makes to cards, gathered first and then made in bulk."""

    new_cards: list[Card] = field(default_factory=list)
    new_choices: list[Choice] = field(default_factory=list)
    updated_cards: list[Card] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=lambda: {"position", "import_fingerprint"})
    choice_updates: list[Choice] = field(default_factory=list)
    choice_deletes: list[int] = field(default_factory=list)
    # Cards the import makes published: written as drafts, then published by the service.
    to_publish: list[Card] = field(default_factory=list)


def _card_values(
    draft: CardDraft, *, origin: str, status: str, topic: Topic, lesson: Lesson | None
) -> dict:
    return {
        "topic_id": topic.id,
        "lesson_id": lesson.id if lesson else None,
        "origin": origin,
        "kind": draft.kind,
        "status": status,
        "front": draft.front,
        "back": draft.back,
        "explanation": draft.explanation,
        "accepted_answers": "\n".join(draft.accepted_answers),
        "source_excerpt": draft.source_excerpt,
        "tags": ", ".join(draft.tags),
        "critical": draft.critical,
        "clinical_note": draft.clinical_note,
        "note_reference": draft.note_reference,
        "needs_edit": draft.needs_edit,
    }


class CardWriter:
    """The card part of the import writer (quizzes.content.services.import_writer)."""

    report: ImportReport
    prune: bool

    def _cards(
        self,
        article: Article,
        topics: dict[str, Topic],
        lessons: dict[tuple[str, str], Lesson],
        *,
        curated: list[CardDraft] | None,
        generated: list[CardDraft],
    ) -> None:
        # Without a curated cards file the curated cards already imported are left as they are:
        # a missing file is not a decision to withdraw them.
        origins = [CardOrigin.GENERATED] + ([] if curated is None else [CardOrigin.CURATED])
        drafts = [(draft, CardOrigin.CURATED, CardStatus.PUBLISHED) for draft in curated or []]
        drafts += [(draft, CardOrigin.GENERATED, CardStatus.DRAFT) for draft in generated]
        keys = [draft.key for draft, _, _ in drafts]
        existing = {
            card.key: card
            for card in Card.objects.filter(
                Q(key__in=keys) | Q(topic__article=article, origin__in=origins)
            )
            .select_related("topic")
            .prefetch_related("choices")
        }
        foreign = next((c for c in existing.values() if c.topic.article_id != article.id), None)
        if foreign:
            raise ArticleImportError(f"card key {foreign.key} already belongs to another article")
        plan = _CardPlan()
        # Positions count within a lesson and origin (generated cards after curated ones), so a
        # new card shifts only its own lesson's cards of its own kind.
        next_position: dict[tuple[str, str, str | None], int] = {}
        for draft, origin, status in drafts:
            place = (draft.topic_key, draft.lesson_key)
            base = GENERATED_POSITIONS if origin == CardOrigin.GENERATED else 0
            position = next_position.get((origin, *place), base)
            next_position[(origin, *place)] = position + 1
            values = _card_values(
                draft,
                origin=origin,
                status=status,
                topic=topics[draft.topic_key],
                lesson=lessons[place] if draft.lesson_key else None,
            )
            self._plan_card(plan, draft, values, existing.get(draft.key), position)
        self._write_cards(plan)
        wanted_keys = set(keys)
        self._retire_cards([card for key, card in existing.items() if key not in wanted_keys])

    def _plan_card(
        self, plan: _CardPlan, draft: CardDraft, values: dict, card: Card | None, position: int
    ) -> None:
        """Add to the plan what makes the card match its draft (nothing if an instructor changed
        it, or it already matches)."""
        choices = list(draft.choices)
        fingerprint = card_fingerprint(values, choices)
        publish = values["status"] == CardStatus.PUBLISHED and (
            card is None or card.status != CardStatus.PUBLISHED
        )
        if card is None:
            card = Card(key=draft.key, position=position, import_fingerprint=fingerprint, **values)
            plan.new_cards.append(card)
            plan.new_choices += [
                Choice(card=card, text=text, is_correct=correct, position=index)
                for index, (text, correct) in enumerate(choices)
            ]
            self.report.note("created", "Card", f"create Card {draft.key} ({draft.kind})")
        else:
            if card_fingerprint(*current_values(card)) != card.import_fingerprint:
                self.report.note(
                    "kept", "Card", f"keep Card {draft.key} (changed by an instructor)"
                )
                return
            if fingerprint == card.import_fingerprint and card.position == position:
                self.report.note("unchanged", "Card")
                return
            now_values, now_choices = current_values(card)
            changed = [name for name in CARD_FIELDS if now_values[name] != values[name]]
            for name in changed:
                setattr(card, name, values[name])
            plan.update_fields.update(changed)
            if now_choices != choices:
                changed.append("choices")
                updates, creates, deletes = _replace_choices(card, choices)
                plan.choice_updates += updates
                plan.new_choices += creates
                plan.choice_deletes += deletes
            if card.position != position:
                changed.append("position")
            card.position = position
            card.import_fingerprint = fingerprint
            plan.updated_cards.append(card)
            self.report.note("updated", "Card", f"update Card {draft.key} ({', '.join(changed)})")
            # A published curated card whose wording the import changed needs a new sign-off.
            publish = publish or (
                values["status"] == CardStatus.PUBLISHED
                and bool({*WORDING_FIELDS, "choices"} & set(changed))
            )
        if publish:
            card.status = CardStatus.DRAFT
            plan.update_fields.add("status")
            plan.to_publish.append(card)

    def _write_cards(self, plan: _CardPlan) -> None:
        # Written with their history (django-simple-history), so a card's history starts here.
        if plan.new_cards:
            bulk_create_with_history(plan.new_cards, Card, default_change_reason=IMPORTED)
        for choice in plan.new_choices:
            choice.card_id = choice.card.id
        if plan.updated_cards:
            bulk_update_with_history(
                plan.updated_cards, Card, sorted(plan.update_fields), default_change_reason=IMPORTED
            )
        if plan.choice_deletes:
            Choice.objects.filter(id__in=plan.choice_deletes).delete()
        if plan.choice_updates:
            Choice.objects.bulk_update(plan.choice_updates, ["text", "is_correct", "position"])
        if plan.new_choices:
            bulk_create_with_history(plan.new_choices, Choice, default_change_reason=IMPORTED)
        if plan.to_publish:
            self._sign_off(plan.to_publish)

    def _sign_off(self, cards: list[Card]) -> None:
        """Curated cards reach learners through the workflow's own services.

        The curated file was reviewed card by card against docs/item-writing.md (its review log is
        in that document, and the file changes only through code review), and the import has just
        run the mechanical checks again: importing it from the command line is the operator's
        recorded sign-off. Uploaded by an instructor in the admin, the cards go to review instead
        wherever a second instructor must sign off (or the uploader may not sign off).
        """
        now, by = timezone.now(), getattr(self, "uploaded_by", None)
        if by is not None and (second_signoff_required() or not by.has_perm(SIGNOFF_PERMISSION)):
            skipped = cards_submit_for_review(cards=cards, by=by, now=now).skipped
        else:
            note = "" if by is not None else CURATED_SIGNOFF.format(source=self.report.source_name)
            # The same rules and announcement as publishing in the admin: learners who already
            # read a topic get its newly published cards.
            skipped = cards_publish(cards=cards, now=now, by=by, note=note).skipped
        if skipped:
            card, problems = skipped[0]
            raise ArticleImportError(f"card {card.key} cannot be published: {problems[0]}")

    def _retire_cards(self, cards: list[Card]) -> None:
        for _card in [card for card in cards if card.status == CardStatus.ARCHIVED]:
            self.report.note("unchanged", "Card")
        cards = [card for card in cards if card.status != CardStatus.ARCHIVED]
        if not cards:
            return
        if not self.prune:
            # Deleting or archiving is the instructor's explicit choice (prune=True).
            for card in cards:
                self.report.hold(
                    "Card",
                    f"keep Card {card.key} “{card.front[:70]}” (its fact is not in the file)",
                )
            return
        studied = in_use_ids(Card, [card.id for card in cards])
        to_archive, to_delete = [], []
        for card in cards:
            untouched = card_fingerprint(*current_values(card)) == card.import_fingerprint
            if card.id in studied or not untouched:
                card.status = CardStatus.ARCHIVED
                if untouched:
                    card.import_fingerprint = card_fingerprint(*current_values(card))
                to_archive.append(card)
                reason = (
                    "in use by learners or modules"
                    if card.id in studied
                    else "changed by an instructor"
                )
                self.report.note("archived", "Card", f"archive Card {card.key} ({reason})")
            else:
                to_delete.append(card.id)
                self.report.note("deleted", "Card", f"delete Card {card.key}")
        if to_archive:
            Card.objects.bulk_update(to_archive, ["status", "import_fingerprint"])
        if to_delete:
            Card.objects.filter(id__in=to_delete).delete()

    # Lessons and topics that left the article ----------------------------------------------------
