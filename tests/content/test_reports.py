"""Report a problem (learners), My reports and the reply, the Reports queue (instructors), and the
flags BoneLearn raises when a card's source passage changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import Card, CardReport, CardStatus, ReportReason, ReportStatus
from quizzes.content.services.importing import import_article_file
from quizzes.content.services.reports import (
    AlreadyReported,
    card_report,
    cards_flag_source_changed,
    report_resolve,
)
from tests.factories import CardFactory, LessonFactory

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPORT_URL = reverse("content:report_create")
MY_REPORTS = reverse("content:my_reports")
QUEUE = reverse("admin:content_cardreport_changelist")
HTMX = {"HTTP_HX_REQUEST": "true"}
SEED = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"

pytestmark = pytest.mark.django_db


def report_data(target: Card, **overrides) -> dict:
    return {
        "card": target.pk,
        "place": "review",
        "reason": "wrong",
        "note": "Says 70%.",
        **overrides,
    }


def resolve_url(report: CardReport) -> str:
    return reverse("admin:content_cardreport_change", args=[report.pk])


# --- learners report ------------------------------------------------------------------------


def test_a_learner_reports_a_card_and_sees_the_thanks_in_place(student_client, student):
    card = CardFactory()
    response = student_client.post(REPORT_URL, report_data(card), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "your report is with the instructors" in html and "<html" not in html
    report = CardReport.objects.get()
    assert (report.card, report.reporter, report.reason, report.note, report.place) == (
        card,
        student,
        ReportReason.WRONG,
        "Says 70%.",
        "review",
    )


def test_without_javascript_the_report_answers_with_a_whole_page(student_client):
    response = student_client.post(REPORT_URL, report_data(CardFactory(), place="quiz"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert reverse("training:training") in html  # back to where the learner was


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"reason": ""}, "This field is required."),
        ({"reason": "statistics"}, "Select a valid choice."),
        ({"reason": "other", "note": ""}, "Say what the problem is."),
        ({"note": "x" * 1001}, "at most 1000 characters"),
        ({"card": "abc"}, "Enter a whole number."),
        ({"place": "elsewhere"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_400_with_the_reason_and_writes_nothing(student_client, overrides, message):
    card = CardFactory()
    response = student_client.post(REPORT_URL, report_data(card, **overrides), **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CardReport.objects.exists()


def test_an_unpublished_or_unknown_card_is_404(student_client):
    draft = CardFactory(status=CardStatus.DRAFT)
    assert student_client.post(REPORT_URL, report_data(draft)).status_code == 404
    assert (
        student_client.post(REPORT_URL, {**report_data(draft), "card": 999999}).status_code == 404
    )


def test_one_open_report_per_learner_and_card(student_client, other_student):
    card = CardFactory()
    assert student_client.post(REPORT_URL, report_data(card), **HTMX).status_code == 200
    again = student_client.post(REPORT_URL, report_data(card, reason="typo"), **HTMX)
    assert again.status_code == 409
    assert "already reported this card" in again.content.decode()
    # Another learner may report the same card, and so may the first once it is resolved.
    card_report(
        learner=other_student, card_id=card.pk, reason="typo", note="", place="quiz", now=NOW
    )
    report_resolve(report=CardReport.objects.first(), by=None, reply="Fixed.", now=NOW)
    assert CardReport.objects.count() == 2


def test_the_database_refuses_a_second_open_report_whatever_the_code_does(student):
    card = CardFactory()
    CardReport.objects.create(card=card, reporter=student, reason="typo", created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CardReport.objects.create(card=card, reporter=student, reason="wrong", created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CardReport.objects.create(card=card, reporter=None, reason="wrong", created_at=NOW)


def test_reports_are_limited_per_learner_per_hour(settings, student, other_student):
    settings.BONELEARN_REPORTS_PER_HOUR = 3
    cards = CardFactory.create_batch(5)
    for card in cards[:3]:
        card_report(
            learner=student, card_id=card.pk, reason="typo", note="", place="review", now=NOW
        )
    from quizzes.content.services.reports import TooManyReports

    with pytest.raises(TooManyReports):
        card_report(
            learner=student, card_id=cards[3].pk, reason="typo", note="", place="review", now=NOW
        )
    # Others are not held back, and an hour later the learner can report again.
    card_report(
        learner=other_student, card_id=cards[3].pk, reason="typo", note="", place="review", now=NOW
    )
    later = NOW + timedelta(hours=1, seconds=1)
    card_report(
        learner=student, card_id=cards[4].pk, reason="typo", note="", place="review", now=later
    )


def test_the_view_answers_429_when_the_limit_is_reached(settings, student_client):
    settings.BONELEARN_REPORTS_PER_HOUR = 1
    first, second = CardFactory(), CardFactory()
    student_client.post(REPORT_URL, report_data(first), **HTMX)
    response = student_client.post(REPORT_URL, report_data(second), **HTMX)
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "1 reports in the last hour" in response.content.decode()


def test_a_duplicate_caught_by_the_constraint_is_a_clean_refusal(student, monkeypatch):
    card = CardFactory()
    card_report(learner=student, card_id=card.pk, reason="typo", note="", place="review", now=NOW)
    # As if the check had run before the other tab's insert: the constraint still decides.
    monkeypatch.setattr(CardReport.objects.__class__, "open", lambda self: self.none())
    with pytest.raises(AlreadyReported):
        card_report(
            learner=student, card_id=card.pk, reason="wrong", note="", place="quiz", now=NOW
        )


# --- what the learner sees ------------------------------------------------------------------


def test_my_reports_shows_the_reply_once_as_new(student_client, student, instructor):
    card = CardFactory(front="How common are bone metastases?")
    report = card_report(
        learner=student, card_id=card.pk, reason="wrong", note="Says 70%.", place="review", now=NOW
    )
    badge = reverse("content:unread_replies")
    assert student_client.get(badge).content.strip() == b""
    open_page = student_client.get(MY_REPORTS).content.decode()
    assert "How common are bone metastases?" in open_page and "Open" in open_page
    report_resolve(report=report, by=instructor, reply="Corrected to 65%.", now=NOW)
    assert b"1 new reply" in student_client.get(badge).content

    page = student_client.get(MY_REPORTS).content.decode()
    assert "Corrected to 65%." in page and "New" in page
    assert student_client.get(badge).content.strip() == b""
    assert "New" not in student_client.get(MY_REPORTS).content.decode().split("<main")[1]


def test_a_learner_opens_their_own_report_and_never_anothers(client, student, other_student):
    card = CardFactory()
    mine = card_report(
        learner=student, card_id=card.pk, reason="typo", note="", place="review", now=NOW
    )
    client.force_login(student)
    assert client.get(reverse("content:report_detail", args=[mine.pk])).status_code == 200
    client.force_login(other_student)
    assert client.get(reverse("content:report_detail", args=[mine.pk])).status_code == 404
    assert "Typo" not in client.get(MY_REPORTS).content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_my_reports_reads_a_fixed_number_of_queries(
    settings, student_client, student, size, django_assert_max_num_queries
):
    settings.BONELEARN_REPORTS_PER_HOUR = 100
    for card in CardFactory.create_batch(size):
        report = card_report(
            learner=student, card_id=card.pk, reason="typo", note="", place="review", now=NOW
        )
        report_resolve(report=report, by=None, reply="Thanks", now=NOW)
    with django_assert_max_num_queries(6):
        assert student_client.get(MY_REPORTS).status_code == 200


def test_the_answer_shows_the_clinical_note_last_reviewed_date_and_report_form(
    student_client, student
):
    from quizzes.review.services.reading import topic_open

    card = CardFactory(
        clinical_note="Most cancer hypercalcaemia is humoral (PTHrP).",
        note_reference="Stewart AF, N Engl J Med 2005",
        signed_off_at=NOW,
    )
    topic_open(user=student, topic=card.topic, now=timezone.now())
    response = student_client.post(
        reverse("review:review_reveal"), {"card": card.pk, "token": _shown_token(student_client)}
    )
    html = response.content.decode()
    assert "Most cancer hypercalcaemia is humoral" in html
    assert "Stewart AF, N Engl J Med 2005" in html
    assert "Last reviewed by an instructor on" in html and ">2 Mar 2026</time>" in html
    assert "Report a problem with this card" in html and 'name="place" value="review"' in html


def _shown_token(client) -> str:
    import re

    page = client.get(reverse("review:review")).content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_the_admin_preview_shows_the_note_but_no_report_form(instructor_client):
    card = CardFactory(clinical_note="A note.", note_reference="A reference")
    html = instructor_client.get(reverse("admin:content_card_change", args=[card.pk])).content
    assert b"A note." in html and b"Report a problem with this card" not in html


# --- the instructors' queue ---------------------------------------------------------------


def test_the_queue_counts_lists_and_filters_reports(instructor_client, student):
    card = CardFactory(front="Which scan first?")
    card_report(learner=student, card_id=card.pk, reason="unclear", note="", place="quiz", now=NOW)
    cards_flag_source_changed(lessons=[card.lesson], now=NOW)
    page = instructor_client.get(QUEUE).content.decode()
    assert "2 open" in page and "1 from learners, 1 with a changed source" in page
    assert "Which scan first?" in page
    learners_only = instructor_client.get(QUEUE + "?raised_by=learner").content.decode()
    assert "Unclear" in learners_only and "Source passage changed</td>" not in learners_only
    assert "(1)" in learners_only  # counts beside the filters


def test_an_instructor_resolves_a_report_with_a_reply(instructor_client, instructor, student):
    card = CardFactory()
    report = card_report(
        learner=student, card_id=card.pk, reason="wrong", note="", place="review", now=NOW
    )
    refused = instructor_client.post(resolve_url(report), {"reply": "  "})
    assert refused.status_code == 200 and b"Write a reply" in refused.content
    assert CardReport.objects.get().status == ReportStatus.OPEN
    done = instructor_client.post(resolve_url(report), {"reply": "Fixed the key."})
    assert done.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reply, report.resolved_by) == (
        ReportStatus.RESOLVED,
        "Fixed the key.",
        instructor,
    )
    assert report.resolved_at is not None
    again = instructor_client.get(resolve_url(report)).content.decode()
    assert 'name="reply"' not in again and "Fixed the key." in again


def test_reports_cannot_be_added_or_deleted_in_the_admin(instructor_client, student):
    report = card_report(
        learner=student, card_id=CardFactory().pk, reason="typo", note="", place="review", now=NOW
    )
    assert instructor_client.get(reverse("admin:content_cardreport_add")).status_code == 403
    delete = reverse("admin:content_cardreport_delete", args=[report.pk])
    assert instructor_client.get(delete).status_code == 403


# --- source changed -------------------------------------------------------------------------


def test_editing_a_lesson_flags_every_card_that_cites_it_until_confirmed(instructor_client):
    lesson = LessonFactory(body="About 70% of patients.", source_passage="About 70% of patients.")
    citing = CardFactory.create_batch(3, lesson=lesson, source_excerpt="About 70% of patients.")
    retired = CardFactory(lesson=lesson, status=CardStatus.ARCHIVED)
    elsewhere = CardFactory()
    url = reverse("admin:content_lesson_change", args=[lesson.pk])
    data = {
        "topic": lesson.topic_id,
        "key": lesson.key,
        "title": lesson.title,
        "position": lesson.position,
        "body": "About 65% of patients.",
        "source_passage": "About 65% of patients.",
    }
    response = instructor_client.post(url, data, follow=True)
    assert any("3 cards cite the changed text" in m for m in messages_of(response))
    flagged = set(Card.objects.filter(source_changed_at__isnull=False).values_list("pk", flat=True))
    assert flagged == {card.pk for card in citing}
    assert retired.pk not in flagged and elsewhere.pk not in flagged
    flags = CardReport.objects.filter(reason=ReportReason.SOURCE_CHANGED)
    assert flags.count() == 3
    assert "no longer in it" in flags.first().note

    # A learner sees "source changed" with the answer; an instructor confirms in bulk.
    action_response = instructor_client.post(
        reverse("admin:content_card_changelist"),
        {"action": "confirm_source", "_selected_action": [card.pk for card in citing]},
        follow=True,
    )
    assert "Confirmed 3 cards against their changed source." in messages_of(action_response)
    assert not Card.objects.filter(source_changed_at__isnull=False).exists()
    assert not CardReport.objects.open().exists()


def test_editing_lessons_inline_on_their_topic_flags_their_cards(instructor_client):
    lesson = LessonFactory()
    card = CardFactory(lesson=lesson)
    topic = lesson.topic
    prefix = "lessons"
    data = {
        "article": topic.article_id,
        "key": topic.key,
        "kind": topic.kind,
        "number": topic.number,
        "title": topic.title,
        "slug": topic.slug,
        "position": topic.position,
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 1,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        f"{prefix}-0-id": lesson.pk,
        f"{prefix}-0-topic": topic.pk,
        f"{prefix}-0-key": lesson.key,
        f"{prefix}-0-title": lesson.title,
        f"{prefix}-0-position": lesson.position,
        f"{prefix}-0-body": lesson.body + " Edited.",
        f"{prefix}-0-source_passage": lesson.source_passage,
    }
    response = instructor_client.post(reverse("admin:content_topic_change", args=[topic.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    card.refresh_from_db()
    assert card.source_changed_at is not None
    assert "still in it" in CardReport.objects.get().note


def test_a_reimport_of_an_edited_article_flags_the_cards_of_the_edited_passage(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    article = tmp_path / "bone-metastases.txt"
    article.write_text(text, encoding="utf-8")
    (tmp_path / "bone-metastases.cards.json").write_text(
        SEED.with_name("bone-metastases.cards.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    import_article_file(article)
    assert not CardReport.objects.exists()
    card = Card.objects.filter(origin="curated", lesson__isnull=False).first()
    lesson = card.lesson
    sentence = card.source_excerpt
    article.write_text(text.replace(sentence, sentence.replace(".", " (edited)."), 1), "utf-8")
    # The article alone: the curated cards stay as they are, their lesson changed under them.
    (tmp_path / "bone-metastases.cards.json").unlink()
    import_article_file(article)
    citing = set(
        Card.objects.filter(lesson=lesson).exclude(status="archived").values_list("pk", flat=True)
    )
    flagged = set(
        CardReport.objects.open()
        .filter(reason=ReportReason.SOURCE_CHANGED)
        .values_list("card_id", flat=True)
    )
    assert card.pk in flagged and flagged == citing


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
