"""The editorial workflow: draft → in review → published → retired, the second sign-off, the
item-writing checks on publishing, a reworded published card going back to review, and the
change history — through the services, the admin and the importer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from quizzes.content.models import Card, CardOrigin, CardStatus, Choice
from quizzes.content.services.importing import import_article_file, import_article_text
from quizzes.content.services.publishing import (
    NOT_A_SIGNER,
    OWN_SUBMISSION,
    SEND_FOR_REVIEW_FIRST,
    card_reworded,
    cards_publish,
    cards_set_status,
    cards_submit_for_review,
    second_signoff_required,
    wording_of,
)
from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.review.models import MemoryState
from quizzes.review.services.reading import topic_open
from quizzes.training.models import TrainingModule
from tests.content.test_admin_cards import action, card_post, change_url, messages_of
from tests.factories import CardFactory, LessonFactory, UserFactory, make_choice_card

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SEED = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"

pytestmark = pytest.mark.django_db


def make_instructor(username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    return user


@pytest.fixture
def author(db):
    return make_instructor("author")


@pytest.fixture
def reviewer(db):
    return make_instructor("reviewer")


def status_of(card: Card) -> str:
    return Card.objects.values_list("status", flat=True).get(pk=card.pk)


# --- the sign-off rule ----------------------------------------------------------------------


def test_with_two_instructors_a_card_is_published_only_by_the_one_who_did_not_send_it(
    author, reviewer
):
    card = CardFactory(status=CardStatus.DRAFT)
    assert second_signoff_required()

    from_draft = cards_publish(cards=[card], now=NOW, by=reviewer)
    assert from_draft.skipped == [(card, [SEND_FOR_REVIEW_FIRST])]

    assert cards_submit_for_review(cards=[card], by=author, now=NOW).submitted == [card]
    own = cards_publish(cards=[card], now=NOW, by=author)
    assert [problems for _, problems in own.skipped] == [[OWN_SUBMISSION]]
    assert status_of(card) == CardStatus.IN_REVIEW

    signed = cards_publish(cards=[card], now=NOW, by=reviewer)
    assert [c.pk for c in signed.published] == [card.pk]
    card.refresh_from_db()
    assert card.status == CardStatus.PUBLISHED
    assert (card.signed_off_by, card.signed_off_at, card.submitted_by) == (reviewer, NOW, author)


def test_a_lone_instructor_signs_off_their_own_card(author):
    card = CardFactory(status=CardStatus.DRAFT)
    assert not second_signoff_required()
    assert cards_publish(cards=[card], now=NOW, by=author).published == [card]
    assert status_of(card) == CardStatus.PUBLISHED


def test_the_setting_turns_the_second_signoff_off(settings, author, reviewer):
    settings.BONELEARN_SECOND_SIGNOFF = False
    card = CardFactory(status=CardStatus.DRAFT)
    assert cards_publish(cards=[card], now=NOW, by=author).published == [card]


def test_inactive_instructors_and_superusers_do_not_count_as_a_second_signer(author):
    make_instructor("retired-colleague").__class__.objects.filter(
        username="retired-colleague"
    ).update(is_active=False)
    UserFactory(username="root", is_staff=True, is_superuser=True)
    assert not second_signoff_required()


def test_someone_without_the_signoff_permission_cannot_publish():
    editor = UserFactory(username="editor", is_staff=True)
    card = CardFactory(status=CardStatus.DRAFT)
    result = cards_publish(cards=[card], now=NOW, by=editor)
    assert result.skipped == [(card, [NOT_A_SIGNER])]
    assert status_of(card) == CardStatus.DRAFT


def test_a_system_signoff_must_say_what_was_reviewed():
    with pytest.raises(ValueError):
        cards_publish(cards=[CardFactory(status=CardStatus.DRAFT)], now=NOW, by=None)
    card = CardFactory(status=CardStatus.DRAFT)
    cards_publish(cards=[card], now=NOW, by=None, note="Reviewed set v2")
    card.refresh_from_db()
    assert (card.signed_off_by, card.signoff_note) == (None, "Reviewed set v2")


def test_publishing_refuses_a_card_that_fails_the_item_writing_standard(author):
    card = make_choice_card(front="According to the article, which lesion destroys bone?")
    Card.objects.filter(pk=card.pk).update(status=CardStatus.DRAFT)
    result = cards_publish(cards=[card], now=NOW, by=author)
    (skipped, problems), *_ = result.skipped
    assert skipped == card and problems[0].startswith("Item-writing standard:")
    assert "article" in problems[0]
    # and it cannot even be sent for review
    assert cards_submit_for_review(cards=[card], by=author, now=NOW).skipped


def test_retired_and_in_review_cards_leave_the_review_queue_and_the_training_pool(author):
    lesson = LessonFactory()
    learner = UserFactory()
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT)
    cards_publish(cards=[card], now=NOW, by=author)
    topic_open(user=learner, topic=lesson.topic, now=NOW)
    assert MemoryState.objects.in_queue(NOW).filter(user=learner).count() == 1
    cards_submit_for_review(cards=[card], by=author, now=NOW)
    assert MemoryState.objects.in_queue(NOW).filter(user=learner).count() == 0
    assert not Card.objects.published().filter(pk=card.pk).exists()
    cards_set_status(cards=[card], status=CardStatus.ARCHIVED, now=NOW, by=author)
    assert Card.objects.get(pk=card.pk).get_status_display() == "Retired"
    assert MemoryState.objects.filter(user=learner, card=card).exists()  # history kept


# --- wording changes ------------------------------------------------------------------------


def test_a_published_cards_wording_change_sends_it_back_to_review(author):
    card = make_choice_card()
    before = wording_of(card)
    Card.objects.filter(pk=card.pk).update(tags="imaging")  # not wording
    assert not card_reworded(card=card, before=before, by=author, now=NOW)
    Choice.objects.filter(card=card, is_correct=False).first().delete()
    Choice.objects.create(card=card, text="Lytic", position=9)
    assert card_reworded(card=card, before=before, by=author, now=NOW)
    card.refresh_from_db()
    assert (card.status, card.submitted_by) == (CardStatus.IN_REVIEW, author)


@pytest.mark.parametrize(
    "field, value",
    [
        ("front", "Which lesion type destroys bone tissue?"),
        ("explanation", "Lytic lesions remove bone."),
        ("clinical_note", "Mixed lesions are common."),
    ],
)
def test_editing_a_published_cards_wording_in_the_admin_sends_it_to_review(
    instructor_client, field, value
):
    card = make_choice_card()
    response = instructor_client.post(change_url(card), card_post(card, **{field: value}))
    assert response.status_code == 302
    assert status_of(card) == CardStatus.IN_REVIEW
    page = instructor_client.get(reverse("admin:content_card_changelist"), follow=True)
    assert any("went back to review" in message for message in messages_of(page))


def test_editing_tags_of_a_published_card_keeps_it_published(instructor_client):
    card = make_choice_card()
    instructor_client.post(change_url(card), card_post(card, tags="imaging"))
    assert status_of(card) == CardStatus.PUBLISHED


def test_the_admin_form_moves_cards_through_the_workflow_with_two_instructors(client):
    author, reviewer = make_instructor("author"), make_instructor("reviewer")
    card = CardFactory(status=CardStatus.DRAFT)
    client.force_login(author)
    client.post(change_url(card), card_post(card, status=CardStatus.PUBLISHED))
    assert status_of(card) == CardStatus.DRAFT  # refused: send it for review first
    client.post(change_url(card), card_post(card, status=CardStatus.IN_REVIEW))
    assert status_of(card) == CardStatus.IN_REVIEW
    card.refresh_from_db()
    own = client.post(change_url(card), card_post(card, status=CardStatus.PUBLISHED), follow=True)
    assert any(OWN_SUBMISSION in message for message in messages_of(own))
    client.force_login(reviewer)
    signed = action(client, "publish", [card])
    assert "Signed off and published 1 card." in messages_of(signed)
    card.refresh_from_db()
    assert (card.status, card.signed_off_by) == (CardStatus.PUBLISHED, reviewer)


def test_bulk_send_for_review_and_retire(instructor_client):
    cards = [CardFactory(status=CardStatus.DRAFT), CardFactory(status=CardStatus.DRAFT)]
    response = action(instructor_client, "submit_for_review", cards)
    assert "2 cards sent for review." in messages_of(response)
    assert {status_of(card) for card in cards} == {CardStatus.IN_REVIEW}
    action(instructor_client, "archive", cards)
    assert {status_of(card) for card in cards} == {CardStatus.ARCHIVED}


# --- history --------------------------------------------------------------------------------


def test_every_change_is_kept_in_the_cards_history_with_who_and_why(instructor_client, instructor):
    card = make_choice_card(front="Which lesion destroys bone?")
    instructor_client.post(change_url(card), card_post(card, front="Which lesion erodes bone?"))
    action(instructor_client, "publish", [card])
    records = list(card.history.order_by("history_date", "history_id"))
    assert [record.front for record in records][-2:] == ["Which lesion erodes bone?"] * 2
    assert records[-1].status == CardStatus.PUBLISHED
    assert records[-1].history_change_reason == "Signed off and published"
    assert {record.history_user for record in records[-3:]} == {instructor}

    page = instructor_client.get(reverse("admin:content_card_history", args=[card.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Which lesion erodes bone?" in html and "Signed off and published" in html
    assert "Changes to the choices" in html and "Osteoblastic" in html
    assert "Revert" not in html and "revert to a previous version" not in html


# --- the importer ---------------------------------------------------------------------------


def test_the_import_command_signs_off_the_curated_set_as_a_recorded_system_act():
    call_command("import_article", str(SEED))
    curated = Card.objects.filter(origin=CardOrigin.CURATED)
    assert curated.count() == 87
    assert set(curated.values_list("status", flat=True)) == {CardStatus.PUBLISHED}
    card = curated.first()
    assert card.signed_off_by is None and card.signed_off_at is not None
    assert "docs/item-writing.md" in card.signoff_note
    assert card.history.filter(history_change_reason__startswith="Signed off").exists()
    assert card.history.filter(history_change_reason="Written by the article import").exists()
    # The demo's training module still has questions to draw.
    call_command("setup_demo_training")
    assert TrainingModule.objects.get().question_pool.filter(status=CardStatus.PUBLISHED).exists()


def test_an_upload_by_one_of_two_instructors_sends_curated_cards_to_review(author, reviewer):
    text = SEED.read_text(encoding="utf-8")
    cards = SEED.with_name("bone-metastases.cards.json").read_text(encoding="utf-8")
    import_article_text(text=text, source_name=SEED.name, curated_cards=cards, uploaded_by=author)
    curated = Card.objects.filter(origin=CardOrigin.CURATED)
    assert set(curated.values_list("status", flat=True)) == {CardStatus.IN_REVIEW}
    assert set(curated.values_list("submitted_by", flat=True)) == {author.pk}
    assert cards_publish(cards=curated, now=NOW, by=reviewer).skipped == []


def test_a_reimport_that_rewords_a_published_curated_card_signs_it_off_again(tmp_path):
    article = tmp_path / "bone-metastases.txt"
    article.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    curated = SEED.with_name("bone-metastases.cards.json").read_text(encoding="utf-8")
    (tmp_path / "bone-metastases.cards.json").write_text(curated, encoding="utf-8")
    import_article_file(article)
    card = Card.objects.filter(origin=CardOrigin.CURATED, kind="basic").first()
    first_signoff = card.signed_off_at
    reworded = curated.replace(card.explanation, card.explanation + " Reviewed again.")
    (tmp_path / "bone-metastases.cards.json").write_text(reworded, encoding="utf-8")
    import_article_file(article)
    card.refresh_from_db()
    assert card.status == CardStatus.PUBLISHED
    assert card.explanation.endswith("Reviewed again.") and card.signed_off_at > first_signoff
