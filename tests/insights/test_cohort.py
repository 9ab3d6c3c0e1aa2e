"""The instructor's cohort figures, checked against hand-computed values on small fixtures."""

from __future__ import annotations

import statistics as stdlib
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from quizzes.content.models import CardKind
from quizzes.insights import statistics
from quizzes.insights.selectors import cohort, items, modules, remembered
from quizzes.review.models import MemoryStage
from tests.factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    TopicFactory,
    UserFactory,
    log_review,
    make_choice_card,
    make_module,
    submit_attempt,
)
from tests.insights import oracles

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


# Five learners' first attempts at a three-question quiz (1 = right). Worked by hand:
# facility .6, .6, .4; ranked by score (id breaking ties) A5 A4 A2 A3 A1 → percent ranks
# 0, .25, .5, .75, 1: lower group A5, A4; upper group A3, A1;
# discrimination 1 − 0 = 1, .5 − .5 = 0, 1 − 0 = 1;
# KR-20: Σpq = .72, totals 3 2 2 1 0 → variance 1.04 → 3/2 · (1 − .72/1.04) = 0.461538…
MATRIX = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]
KR20 = 1.5 * (1 - 0.72 / 1.04)


@pytest.fixture
def quiz():
    cards = [make_choice_card() for _ in range(3)]
    module = make_module(cards=cards, pass_mark=60)
    attempts = []
    wrong_picks = {3: 1, 4: 2}  # A4 chose the first distractor of card 0, A5 the second
    for index, row in enumerate(MATRIX):
        learner = UserFactory(username=f"quiz-learner-{index + 1}")
        answers = []
        for card, credit in zip(cards, row, strict=True):
            choices = list(card.choices.order_by("position"))
            picked = choices[0] if credit else choices[wrong_picks.get(index, 1)]
            answers.append((card, float(credit), [picked.pk]))
        attempts.append(submit_attempt(user=learner, module=module, answers=answers))
    return module, cards, attempts


def test_item_analysis_matches_the_hand_computed_values(quiz):
    module, cards, _ = quiz
    rows = {row.card: row for row in items.card_table()}
    assert [rows[c].answers for c in cards] == [5, 5, 5]
    assert [rows[c].facility for c in cards] == pytest.approx([0.6, 0.6, 0.4])
    assert [rows[c].discrimination for c in cards] == pytest.approx([1.0, 0.0, 1.0])


def test_discrimination_sql_agrees_with_the_pure_function(quiz):
    _, cards, attempts = quiz
    totals = [(float(a.score), a.pk) for a in attempts]
    for column, card in enumerate(cards):
        credits = {a.pk: float(MATRIX[i][column]) for i, a in enumerate(attempts)}
        expected = oracles.discrimination(totals, credits)
        assert items.card_item_analysis(card=card)["row"].discrimination == pytest.approx(expected)


def test_distractor_frequency_is_the_share_of_answers_choosing_each_choice(quiz):
    _, cards, _ = quiz
    result = items.card_item_analysis(card=cards[0])
    assert result["choice_card"] is True
    shares = [(share.choice.text, share.chosen, share.share) for share in result["row"].choices]
    assert shares == [
        ("Osteolytic", 3, 0.6),
        ("Osteoblastic", 1, 0.2),
        ("Mixed", 1, 0.2),
        ("Sclerotic", 0, 0.0),
    ]


def test_module_statistics_mean_sd_pass_rate_and_kr20(quiz):
    module, _, attempts = quiz
    (row,) = [r for r in modules.module_table() if r.module == module]
    scores = [float(a.score) for a in attempts]
    assert row.attempts == 5
    assert row.learners == 5
    assert row.mean_score == pytest.approx(stdlib.mean(scores))
    assert row.sd_score == pytest.approx(stdlib.stdev(scores))
    assert row.pass_rate == pytest.approx(3 / 5)
    assert row.first_attempts == 5
    assert row.alpha == pytest.approx(KR20)
    assert row.alpha == pytest.approx(oracles.cronbach_alpha(MATRIX))


def test_every_item_figure_counts_each_learners_first_attempt_only(quiz):
    module, cards, attempts = quiz
    # The weakest learner retakes the quiz and gets everything right, choosing only the keys; the
    # retake would raise facility to 4/6, make the discrimination of card 1 negative and shrink
    # the distractor shares if it counted.
    again = [(card, 1.0, [card.choices.order_by("position")[0].pk]) for card in cards]
    submit_attempt(user=attempts[4].user, module=module, answers=again, number=2)
    (row,) = [r for r in modules.module_table() if r.module == module]
    assert (row.attempts, row.learners, row.first_attempts) == (6, 5, 5)
    assert row.alpha == pytest.approx(KR20)
    rows = {row.card: row for row in items.card_table()}
    assert [rows[c].answers for c in cards] == [5, 5, 5]
    assert [rows[c].facility for c in cards] == pytest.approx([0.6, 0.6, 0.4])
    assert [rows[c].discrimination for c in cards] == pytest.approx([1.0, 0.0, 1.0])
    shares = [(share.chosen, share.share) for share in rows[cards[0]].choices]
    assert shares == [(3, 0.6), (1, 0.2), (1, 0.2), (0, 0.0)]


def test_first_attempt_is_the_first_submitted_one(quiz):
    module, cards, attempts = quiz
    # Attempt 1 of the best learner was removed by an administrator: attempt 2 is their first.
    learner = attempts[0].user
    attempts[0].delete()
    wrong = [(card, 0.0, [card.choices.order_by("position")[1].pk]) for card in cards]
    submit_attempt(user=learner, module=module, answers=wrong, number=2)
    submit_attempt(user=learner, module=module, answers=wrong[:1], number=3)
    rows = {row.card: row for row in items.card_table()}
    # Columns now 0,1,1,0,0 / 0,1,0,1,0 / 0,0,1,0,0.
    assert [rows[c].facility for c in cards] == pytest.approx([0.4, 0.4, 0.2])
    (row,) = [r for r in modules.module_table() if r.module == module]
    assert row.first_attempts == 5
    assert row.alpha == pytest.approx(
        oracles.cronbach_alpha([[0, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]])
    )


def test_card_reviews_lapse_rate_difficulty_and_leeches(student, other_student):
    card = CardFactory()
    for rating in (1, 3, 3, 1):
        log_review(user=student, card=card, rating=rating, at=NOW - timedelta(days=1))
    log_review(user=student, card=card, rating=1, at=NOW, stage_before=MemoryStage.LEARNING)
    log_review(user=student, card=card, rating=1, at=NOW, undone=NOW)
    common = {"card": card, "stage": MemoryStage.REVIEW, "unlocked_at": NOW}
    MemoryStateFactory(user=student, difficulty=4.0, is_leech=True, **common)
    MemoryStateFactory(user=other_student, difficulty=6.0, **common)
    (row,) = [r for r in items.card_table() if r.card == card]
    assert (row.reviews, row.review_stage_reviews, row.lapses) == (5, 4, 2)
    assert row.lapse_rate == 0.5
    assert (row.learners, row.mean_difficulty, row.leeches) == (2, 5.0, 1)
    assert row.choices == [] and row.facility is None


def test_matrix_orders_weakest_topics_first_and_filters_by_group(instructor):
    strong, weak, untouched = TopicFactory(), TopicFactory(), TopicFactory()
    group = Group.objects.create(name="Ward 7")
    in_group, outside = UserFactory(username="a-in"), UserFactory(username="b-out")
    in_group.groups.add(group)
    strong_card = CardFactory(lesson=LessonFactory(topic=strong))
    weak_card = CardFactory(lesson=LessonFactory(topic=weak))
    CardFactory(lesson=LessonFactory(topic=untouched))

    def remember(user, card, stability, days):
        last = NOW - timedelta(days=days, hours=1)
        MemoryStateFactory(
            user=user,
            card=card,
            stage=MemoryStage.REVIEW,
            stability=stability,
            difficulty=5,
            last_review=last,
            due=last + timedelta(days=stability),
            unlocked_at=last,
        )

    # Mastery is recall 30 days from now: t = 30 whole days for a review an hour ago.
    remember(in_group, strong_card, 100.0, 0)
    remember(outside, strong_card, 100.0, 0)
    remember(in_group, weak_card, 10.0, 0)  # 81% for this learner …
    remember(outside, weak_card, 1.0, 30)  # … but the whole cohort is weak on it
    remember(instructor, strong_card, 1.0, 300)  # staff are not the cohort
    log_review(user=in_group, card=strong_card, rating=1, at=NOW - timedelta(days=2))
    log_review(user=outside, card=strong_card, rating=3, at=NOW - timedelta(days=2))

    matrix = cohort.topic_matrix(now=NOW)
    assert matrix.topics == [weak, strong, untouched]
    assert [row.learner for row in matrix.rows] == [in_group, outside]
    r_in, r_outside = statistics.forgetting_curve(30, 10.0), statistics.forgetting_curve(60, 1.0)
    # The cohort's mastery is the mean of its learners' (each topic has one published card).
    assert matrix.cohort[0].mastery == pytest.approx((r_in + r_outside) / 2)
    assert matrix.cohort[1].mastery == pytest.approx(statistics.forgetting_curve(30, 100.0))
    assert matrix.cohort[1].accuracy == 0.5
    assert (matrix.cohort[2].mastery, matrix.cohort[2].introduced) == (0.0, 0)
    assert matrix.rows[0].cells[0].mastery == pytest.approx(r_in)
    assert not matrix.rows[0].cells[0].weak and matrix.rows[1].cells[0].weak
    assert matrix.rows[0].cells[1].accuracy == 0.0 and matrix.rows[0].cells[1].weak
    assert matrix.rows[0].cells[2].mastery == 0.0 and not matrix.rows[0].cells[2].weak

    filtered = cohort.topic_matrix(now=NOW, group=group)
    assert filtered.topics == [weak, strong, untouched]
    assert [row.learner for row in filtered.rows] == [in_group]
    assert filtered.cohort[0].mastery == pytest.approx(r_in)
    assert filtered.cohort[1].accuracy == 0.0

    cells = list(cohort.learner_topic_cells(now=NOW, group=group))
    assert len(cells) == 3
    assert {(c[0], c[1]) for c in cells} == {(in_group, t) for t in (strong, weak, untouched)}
    # The export's cells are the dashboard's, one definition.
    exported = {topic: cell.mastery for _, topic, cell in cells}
    shown = dict(zip(filtered.topics, [c.mastery for c in filtered.rows[0].cells], strict=True))
    assert exported == shown


def _grow(n_learners: int, n_cards: int):
    topic = TopicFactory()
    cards = [make_choice_card(lesson=LessonFactory(topic=topic)) for _ in range(n_cards)]
    cards.append(CardFactory(lesson=LessonFactory(topic=topic), kind=CardKind.BASIC))
    module = make_module(cards=cards[:-1])
    for _ in range(n_learners):
        learner = UserFactory()
        for card in cards:
            MemoryStateFactory(
                user=learner,
                card=card,
                stage=MemoryStage.REVIEW,
                stability=3.0,
                difficulty=5,
                last_review=NOW - timedelta(days=2),
                due=NOW,
                unlocked_at=NOW - timedelta(days=9),
            )
            log_review(user=learner, card=card, rating=3, at=NOW - timedelta(days=1))
        answers = [(c, 1.0, [c.choices.first().pk]) for c in cards[:-1]]
        submit_attempt(user=learner, module=module, answers=answers)


@pytest.mark.parametrize(
    ("build", "budget"),
    [
        # Storing a remembered figure in the cache adds 7 queries (2 reads, a 5-statement write).
        # The cohort row also looks for the refresher's count of the days that are over (2 reads;
        # a page with none kept reads its cohort's month instead of counting everyone's).
        (lambda: cohort.topic_matrix(now=NOW), 8 + 7 + 2),
        (lambda: items.card_table(), 5),
        (lambda: items.card_page(), 6 + 7),
        (lambda: items.card_page(order="reviews", page=2, page_size=2), 6 + 2 * 7),
        (lambda: modules.module_table(), 3),
        (lambda: list(cohort.learner_topic_cells(now=NOW)), 4),
    ],
)
def test_query_count_does_not_grow_with_learners_cards_or_answers(
    build, budget, django_assert_max_num_queries
):
    _grow(2, 2)
    remembered.forget_cohort_figures()
    with django_assert_max_num_queries(budget):
        build()
    _grow(8, 5)
    remembered.forget_cohort_figures()
    with django_assert_max_num_queries(budget):
        build()


def test_typed_right_overrides_are_counted_for_instructors(student, other_student):
    from django.template.loader import render_to_string

    from quizzes.review.models import ReviewLog

    card = CardFactory(kind=CardKind.CLOZE, front="Mostly {{c1::osteolytic}}.")
    for learner in (student, other_student):
        log_review(user=learner, card=card, rating=3, at=NOW - timedelta(days=1))
    log_review(user=student, card=card, rating=3, at=NOW, undone=NOW)  # undone: not counted
    ReviewLog.objects.filter(user=student).update(overridden=True)
    analysis = items.card_item_analysis(card=card)
    assert (analysis["row"].reviews, analysis["row"].overrides) == (2, 1)
    html = render_to_string("insights/_card_statistics.html", analysis)
    assert "“I typed it right”" in html and "<td>1 of 2 reviews</td>" in html


def test_card_statistics_template_renders_the_item_analysis(quiz):
    from django.template.loader import render_to_string

    _, cards, _ = quiz
    html = render_to_string(
        "insights/_card_statistics.html", items.card_item_analysis(card=cards[0])
    )
    assert "Facility index" in html and "0.60" in html
    assert "Discrimination index" in html and "1.00" in html
    assert '<th scope="row">Osteoblastic</th>' in html and "20%" in html
