from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from quizzes.content import answers
from quizzes.content.models import CardKind
from quizzes.review import scheduling
from quizzes.review.scheduling import Memory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEDULER = scheduling.make_scheduler(desired_retention=0.9)


def test_as_utc_is_the_one_conversion():
    paris = datetime(2026, 3, 2, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert scheduling.as_utc(paris) == NOW and scheduling.as_utc(paris).tzinfo is UTC
    with pytest.raises(ValueError):
        scheduling.as_utc(datetime(2026, 3, 2, 12, 0))


def test_answer_accepts_any_aware_datetime():
    offset = datetime(2026, 3, 2, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    after = scheduling.answer(Memory(), rating=3, now=offset, scheduler=SCHEDULER)
    assert after.last_review == NOW and after.due.tzinfo is UTC


def test_new_card_intervals_and_labels():
    intervals = scheduling.next_intervals(Memory(), now=NOW, scheduler=SCHEDULER)
    labels = [scheduling.format_interval(intervals[rating]) for rating in (1, 2, 3, 4)]
    assert labels[:3] == ["1m", "6m", "10m"]
    assert labels[3].endswith("d")
    assert intervals[1] < intervals[2] < intervals[3] < intervals[4]


def test_answer_is_deterministic_so_replay_is_exact():
    memory = Memory()
    again = Memory()
    for day in range(6):
        moment = NOW + timedelta(days=day * 3)
        memory = scheduling.answer(memory, rating=3, now=moment, scheduler=SCHEDULER)
        again = scheduling.answer(again, rating=3, now=moment, scheduler=SCHEDULER)
    assert memory == again
    assert Memory.from_dict(memory.to_dict()) == memory


def test_higher_retention_gives_shorter_intervals():
    learned = scheduling.answer(Memory(), rating=4, now=NOW, scheduler=SCHEDULER)
    later = learned.due + timedelta(hours=1)
    ordinary = scheduling.next_intervals(learned, now=later, scheduler=SCHEDULER)[3]
    critical = scheduling.next_intervals(
        learned, now=later, scheduler=scheduling.make_scheduler(desired_retention=0.95)
    )[3]
    assert critical < ordinary


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (30, "30s"),
        (600, "10m"),
        (3 * 3600, "3h"),
        (4 * 86400, "4d"),
        (60 * 86400, "2.0mo"),
        (800 * 86400, "2.2y"),
    ],
)
def test_format_interval(seconds, label):
    assert scheduling.format_interval(timedelta(seconds=seconds)) == label


def test_lapse_is_again_on_a_learned_card_only():
    assert scheduling.is_lapse(scheduling.REVIEW_STAGE, 1)
    assert not scheduling.is_lapse(scheduling.REVIEW_STAGE, 3)
    assert not scheduling.is_lapse(1, 1)
    assert not scheduling.is_lapse(scheduling.NEW_STAGE, 1)


# --- answers (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("osteolytic", True),
        ("  OSTEOLYTIC. ", True),
        ("osteo lytic", False),
        ("", False),
        ("bone-destroying", True),
        ("sclerotic", False),
    ],
)
def test_cloze_answer_ignores_case_spacing_and_full_stop(typed, right):
    front = "Breast cancer metastases are mostly {{c1::Osteolytic}}."
    assert answers.cloze_is_right(typed, front=front, accepted_answers="bone-destroying\n") is right


def test_cloze_with_two_gaps_wants_both_in_order():
    front = "{{c1::Prostate}} and {{c2::breast}} cancer"
    assert answers.cloze_is_right("prostate breast", front=front)
    assert answers.cloze_is_right("Prostate, breast", front=front)
    assert not answers.cloze_is_right("prostate", front=front)


def test_cloze_html_hides_then_highlights_and_escapes():
    front = "Pain at **night** suggests {{c1::<b>metastasis</b>::diagnosis}}."
    hidden = answers.cloze_html(front, reveal=False)
    shown = answers.cloze_html(front, reveal=True)
    assert '<span class="cloze-gap">[diagnosis]</span>' in hidden and "metastasis" not in hidden
    assert "<strong>night</strong>" in hidden
    assert '<mark class="cloze-answer">&lt;b&gt;metastasis&lt;/b&gt;</mark>' in shown
    assert "[...]" in answers.cloze_html("A {{c1::gap}}", reveal=False)


def test_choices_right_only_when_exactly_the_correct_set():
    assert answers.choices_are_right([3], [3])
    assert answers.choices_are_right([2, 5], [5, 2])
    assert not answers.choices_are_right([2], [2, 5])
    assert not answers.choices_are_right([2, 5, 7], [2, 5])
    assert not answers.choices_are_right([], [])


def test_cloze_gap_inside_a_link_keeps_the_markup_whole():
    front = "See [the {{c1::femur}} page](https://example.org/wiki/{{c1::Femur::bone}})."
    hidden = str(answers.cloze_html(front, reveal=False))
    shown = str(answers.cloze_html(front, reveal=True))
    # The gap in the address becomes text there; the gap in the link text becomes an element.
    assert 'href="https://example.org/wiki/[bone]"' in hidden
    assert 'the <span class="cloze-gap">[...]</span> page</a>' in hidden
    assert "femur" not in hidden.casefold()
    assert 'href="https://example.org/wiki/Femur"' in shown
    assert 'the <mark class="cloze-answer">femur</mark> page</a>' in shown
    for html in (hidden, shown):
        assert html.count("<a ") == html.count("</a>") == 1
        assert "BONELEARNGAP" not in html and '"https://example.org/wiki/<' not in html


def test_cloze_gap_cannot_smuggle_a_javascript_link():
    for front in ("[x]({{c1::javascript:alert(1)}})", "[x](javascript{{c1:::}}alert(1))"):
        for reveal in (False, True):
            html = str(answers.cloze_html(front, reveal=reveal))
            assert "javascript:" not in html, html


def test_cloze_parser_is_the_validation_one():
    # A malformed deletion (not publishable) stays as text instead of becoming a gap.
    html = str(answers.cloze_html("Broken {{c1::}} and {{c1::ok}}", reveal=True))
    assert "{{c1::}}" in html and '<mark class="cloze-answer">ok</mark>' in html
    assert answers.cloze_expected("{{c1::Prostate}} and {{c2::breast}}") == [
        "Prostate breast",
        "Prostate, breast",
    ]


# --- feedback and allowed grades (pure) -----------------------------------------------------


def test_right_choice_allows_hard_good_easy_and_suggests_good():
    feedback = answers.answer_feedback(
        kind=CardKind.MCQ, choices=[(1, True), (2, False)], picked=[1]
    )
    assert feedback == answers.Feedback(
        verdict=answers.Verdict.RIGHT, suggested=3, allowed=frozenset({2, 3, 4})
    )
    assert feedback.right is True


@pytest.mark.parametrize("picked", [[2], [], [1, 2], [1, 3, 2]])
def test_wrong_or_missing_choice_allows_only_again(picked):
    feedback = answers.answer_feedback(
        kind=CardKind.MULTI_SELECT, choices=[(1, True), (2, False), (3, True)], picked=picked
    )
    assert feedback == answers.Feedback(
        verdict=answers.Verdict.WRONG, suggested=1, allowed=frozenset({1})
    )
    assert feedback.right is False


@pytest.mark.parametrize("picked", [[1], [3]])
def test_some_right_picks_and_no_wrong_one_is_partly_right_hard_or_again(picked):
    feedback = answers.answer_feedback(
        kind=CardKind.MULTI_SELECT, choices=[(1, True), (2, False), (3, True)], picked=picked
    )
    assert feedback == answers.Feedback(
        verdict=answers.Verdict.PARTLY, suggested=2, allowed=frozenset({1, 2})
    )
    assert feedback.right is False


def test_cloze_feedback_uses_the_typed_answer():
    front = "Breast metastases are mostly {{c1::osteolytic}}."
    right = answers.answer_feedback(kind=CardKind.CLOZE, front=front, typed="Osteolytic.")
    wrong = answers.answer_feedback(kind=CardKind.CLOZE, front=front, typed="sclerotic")
    blank = answers.answer_feedback(kind=CardKind.CLOZE, front=front, typed="")
    assert (right.right, wrong.right, blank.right) == (True, False, False)
    assert right.allowed == answers.RIGHT_GRADES and wrong.allowed == answers.WRONG_GRADES


def test_basic_card_has_no_verdict_and_allows_every_grade():
    feedback = answers.answer_feedback(kind=CardKind.BASIC)
    assert feedback == answers.Feedback(verdict=None, suggested=3, allowed=frozenset({1, 2, 3, 4}))
    assert feedback.right is None
    assert not answers.needs_check(CardKind.BASIC)
    assert all(
        answers.needs_check(kind)
        for kind in (CardKind.MCQ, CardKind.TRUE_FALSE, CardKind.MULTI_SELECT, CardKind.CLOZE)
    )


@pytest.mark.parametrize(
    ("verdict", "rating", "refused"),
    [
        ("right", 1, True),
        ("right", 2, False),
        ("right", 3, False),
        ("right", 4, False),
        ("partly", 1, False),
        ("partly", 2, False),
        ("partly", 3, True),
        ("partly", 4, True),
        ("wrong", 1, False),
        ("wrong", 2, True),
        ("wrong", 3, True),
        ("wrong", 4, True),
        (None, 1, False),
        (None, 4, False),
    ],
)
def test_grade_refusal_follows_the_verdict(verdict, rating, refused):
    assert bool(answers.grade_refusal(verdict=verdict, rating=rating)) is refused
