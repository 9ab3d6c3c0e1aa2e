"""Hostile Markdown written by an instructor never reaches a learner's page as live markup.

Each authored field gets every payload below; the pages that show the field (and render_markdown
itself) are parsed, and no script, event handler, javascript:/data: link or admin-aimed htmx
attribute may survive. Escaped text is fine: it shows as text and does nothing.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardKind, Choice
from quizzes.core.markdown import render_markdown
from quizzes.review.models import MemoryState
from quizzes.review.services.reading import topic_open
from tests.factories import ArticleFactory, CardFactory, LessonFactory, TopicFactory

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[y]( JaVaScRiPt:alert(1) )",
    '<a href="javascript:alert(1)">z</a>',
    '<a hx-get="/admin/">x</a>',
    '<a data-hx-get="/admin/">x</a>',
    '<div hx-post="/admin/auth/user/add/" hx-trigger="load">x</div>',
    '<p onclick="alert(1)">click</p>',
    "<svg onload=alert(1)></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="data:text/html,alert(1)">d</a>',
    '<form action="/admin/"><button formaction="javascript:alert(1)">b</button></form>',
]
HOSTILE = "\n\n".join(PAYLOADS)


class _Finder(HTMLParser):
    """Collects live markup an attacker could use; legitimate page scripts and htmx are ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"iframe", "object", "embed"}:
            self.found.append(f"<{tag}>")
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
            if name.startswith(("hx-", "data-hx-")) and "/admin" in value:
                self.found.append(f"{tag} {name}={value}")
            if name in {"href", "src", "action", "formaction"} and value.startswith(
                ("javascript:", "data:")
            ):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"script: {data}")


def live_hostile_markup(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_catches_every_payload_unsanitised():
    # Guards the guard: without the sanitiser every payload is reported.
    for payload in PAYLOADS:
        if payload.startswith("["):
            continue  # Markdown links only become live markup once rendered
        assert live_hostile_markup(payload), payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_neutralises_each_payload(payload):
    html = str(render_markdown(payload))
    assert live_hostile_markup(html) == []
    assert "<script" not in html
    assert "hx-" not in html
    assert "onerror" not in html
    assert "javascript:" not in html.lower()


def test_render_markdown_keeps_ordinary_markdown():
    html = str(render_markdown("**Bold**, [a link](https://example.org) and `code`."))
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert "<code>code</code>" in html


# --- pages a learner sees ----------------------------------------------------------------------


def test_lesson_body_on_the_topic_page(student_client):
    lesson = LessonFactory(body=f"Safe words.\n\n{HOSTILE}")
    response = student_client.get(lesson.topic.get_absolute_url())
    assert response.status_code == 200
    assert "Safe words." in response.content.decode()
    assert live_hostile_markup(response.content.decode()) == []


@pytest.mark.parametrize("field", ["front", "back", "explanation"])
def test_card_fields_in_the_admin_preview_and_learner_preview(instructor_client, field):
    card = CardFactory(**{field: f"Safe {field}.\n\n{HOSTILE}"})
    for url in [
        reverse("admin:content_card_change", args=[card.pk]),
        reverse("admin:content_card_preview", args=[card.pk]),
    ]:
        html = instructor_client.get(url).content.decode()
        assert f"Safe {field}." in html
        assert live_hostile_markup(html) == [], url


def test_choice_text_in_the_previews(instructor_client):
    card = CardFactory(kind=CardKind.MULTI_SELECT)
    for position, payload in enumerate(PAYLOADS):
        Choice.objects.create(card=card, text=payload, is_correct=position == 0, position=position)
    for url in [
        reverse("admin:content_card_change", args=[card.pk]),
        reverse("admin:content_card_preview", args=[card.pk]),
    ]:
        html = instructor_client.get(url).content.decode()
        assert live_hostile_markup(html) == [], url


def test_cloze_answer_and_hint_in_the_preview(instructor_client):
    card = CardFactory(
        kind=CardKind.CLOZE,
        front='Spread is {{c1::<img src=x onerror=alert(1)>::<a hx-get="/admin/">h</a>}}.',
    )
    html = instructor_client.get(reverse("admin:content_card_preview", args=[card.pk])).content
    assert live_hostile_markup(html.decode()) == []


@pytest.mark.parametrize("field", ["front", "explanation", "choice"])
def test_card_fields_on_the_review_screen(student, student_client, field):
    lesson = LessonFactory()
    card = CardFactory(
        lesson=lesson,
        kind=CardKind.MCQ,
        **({field: f"Safe {field}.\n\n{HOSTILE}"} if field != "choice" else {}),
    )
    texts = [HOSTILE if field == "choice" else "Osteolytic", "Osteoblastic", "Mixed"]
    for position, text in enumerate(texts):
        Choice.objects.create(card=card, text=text, is_correct=position == 0, position=position)
    topic_open(user=student, topic=lesson.topic, now=timezone.now())
    assert MemoryState.objects.filter(user=student, card=card).exists()
    response = student_client.get(reverse("review:review"))
    assert response.status_code == 200
    if field == "front":
        assert "Safe front." in response.content.decode()
    assert live_hostile_markup(response.content.decode()) == []


def test_article_faq_and_references_on_the_article_page(student_client):
    article = ArticleFactory(
        faq=[{"question": HOSTILE, "answer": HOSTILE}],
        references=PAYLOADS,
    )
    TopicFactory(article=article)
    response = student_client.get(reverse("content:article", args=[article.slug]))
    assert response.status_code == 200
    assert live_hostile_markup(response.content.decode()) == []


def test_training_module_description_through_the_renderer(db):
    from quizzes.training.models import TrainingModule

    module = TrainingModule.objects.create(title="Ward 5", slug="ward-5", description=HOSTILE)
    assert live_hostile_markup(str(render_markdown(module.description))) == []


@pytest.mark.parametrize(
    "text", ["- " * 1_000 + "deep", "> " * 3_000 + "quoted", "[" * 1_000 + "x" + "]" * 1_000]
)
def test_markdown_nested_deeper_than_the_renderer_recurses_is_shown_as_typed(text):
    html = str(render_markdown(text + " <script>alert(1)</script>"))
    assert "deep" in html or "quoted" in html or "x" in html
    assert "<script>" not in html
