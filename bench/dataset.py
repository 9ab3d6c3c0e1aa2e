"""A realistic benchmark dataset: learners × published cards, a memory state per pair and a year of
review history (one million log rows at full size), written in streamed batches.

Rows are produced by generators and inserted in batches with `executemany` (SQLite) or `COPY`
(PostgreSQL), so memory stays flat whatever the size and a million rows take seconds. Every learner
shares one precomputed password hash: hashing a thousand passwords would take minutes.

Run it on its own (Django settings from the environment, e.g. DATABASE_URL):
    python -m bench.dataset --learners 1000 --cards 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

LEARNER_PREFIX = "bench-learner-"
INSTRUCTOR_USERNAME = "bench-instructor"
BENCH_PASSWORD = "bench-tibia-lantern-7"
BENCH_SLUG = "bench"
CARDS_PER_LESSON = 10
LESSONS_PER_TOPIC = 1
# Share of each learner's cards that are due when the benchmark starts.
DUE_SHARE = 0.10
# Average reviews per card: three for most, four for every third card (1,000 per learner at 300).
BASE_REVIEWS = 3


@dataclass
class DatasetReport:
    learners: int = 0
    cards: int = 0
    memory_states: int = 0
    review_logs: int = 0
    lesson_reads: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    vendor: str = ""
    batches: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class BatchWriter:
    """Insert rows of one model in batches; the connection's fastest bulk path for its vendor."""

    def __init__(self, model: Any, fields: Sequence[str], *, batch_size: int) -> None:
        from django.db import connection

        self.connection = connection
        self.batch_size = batch_size
        meta = model._meta
        columns = [meta.get_field(name).column for name in fields]
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.columns = ", ".join(quote(column) for column in columns)
        self.buffer: list[tuple] = []
        self.rows = 0
        self.batches = 0

    def add(self, row: tuple) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        from django.db import transaction

        # One transaction per batch: in autocommit mode SQLite would commit (and sync) every row.
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in self.buffer:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.buffer[0]))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})",
                    self.buffer,
                )
        self.rows += len(self.buffer)
        self.batches += 1
        self.buffer = []


def _db_time(value: datetime | None, vendor: str) -> Any:
    """A datetime as the column expects it: aware for PostgreSQL, naive UTC text for SQLite."""
    if value is None or vendor == "postgresql":
        return value
    return value.replace(tzinfo=None).isoformat(sep=" ")


def _ratings(rng: random.Random, count: int) -> list[int]:
    # Roughly what learners press: mostly Good, some Again/Hard, a few Easy.
    return rng.choices((1, 2, 3, 4), weights=(10, 15, 65, 10), k=count)


INITIAL_STABILITY = {1: 0.21, 2: 1.29, 3: 2.31, 4: 8.30}
INITIAL_DIFFICULTY = {1: 6.4, 2: 5.6, 3: 4.9, 4: 3.4}
# The JSON the review service stores in state_before/after (recording.snapshot), written by
# hand: json.dumps of two dicts per row would be most of the generator's time.
STATE_JSON = (
    '{"stage": %d, "step": %s, "stability": %s, "difficulty": %s, "due": %s, '
    '"last_review": %s, "reps": %d, "lapses": %d, "suspended": false, "is_leech": false, '
    '"buried_until": null, "version": %d}'
)
NEW_STATE_JSON = STATE_JSON % (0, "null", "null", "null", "null", "null", 0, 0, 0)


class Clock:
    """Whole-second UTC times as the text each database column and the JSON snapshots expect."""

    def __init__(self, vendor: str) -> None:
        self.postgresql = vendor == "postgresql"

    def texts(self, epoch: int) -> tuple[str, str]:
        """(column value, JSON-quoted ISO string) of one instant."""
        iso = datetime.fromtimestamp(epoch, UTC).isoformat()
        column = iso if self.postgresql else f"{iso[:10]} {iso[11:19]}"
        return column, f'"{iso}"'


def _card_history(
    *, rng: random.Random, now: int, count: int, due_now: bool, clock: Clock, prefix: str
) -> tuple[list[tuple], tuple]:
    """A plausible FSRS-like history of one learner's card over the past year (before today):
    ReviewLog rows without user and card, and the final memory state's fields."""
    random_ = rng.random  # randrange costs three times as much, for a million calls
    latest = now - 86400
    times = sorted(latest - int(random_() * 364 * 86400) for _ in range(count))
    if due_now:
        final_due = now - 1 - int(random_() * 2 * 86400)
    else:
        final_due = now + 3600 + int(random_() * 59 * 86400)
    dues = [*times[1:], final_due]
    stage, stability, difficulty, lapses = 0, 0.0, 0.0, 0
    before = NEW_STATE_JSON
    rows = []
    last_column = ""
    for index, rating in enumerate(_ratings(rng, count)):
        at = times[index]
        if index == 0:
            stability = INITIAL_STABILITY[rating]
            difficulty = INITIAL_DIFFICULTY[rating]
        elif rating == 1:
            stability = max(0.2, stability * 0.35)
            difficulty = min(10.0, difficulty + 0.9)
        else:
            stability = stability * (1.2 + 0.9 * (rating - 1))
            difficulty = max(1.0, difficulty - 0.3 * (rating - 3))
        stage_before = stage
        lapsed = rating == 1 and stage in (2, 3)
        lapses += lapsed
        stage = 3 if lapsed else (1 if rating == 1 else 2)
        step = "0" if stage in (1, 3) else "null"
        at_column, at_json = clock.texts(at)
        _, due_json = clock.texts(dues[index])
        after = STATE_JSON % (
            stage,
            step,
            f"{stability:.4f}",
            f"{difficulty:.4f}",
            due_json,
            at_json,
            index + 1,
            lapses,
            index + 1,
        )
        rows.append(
            (
                rating,
                at_column,
                2000 + int(random_() * 23000),
                "review",
                stage_before,
                before,
                after,
                max(60, dues[index] - at),
                0.9,
                f"{prefix}-{index}",
            )
        )
        before = after
        last_column = at_column
    first_column = rows[0][1]
    due_column, _ = clock.texts(final_due)
    final = (
        stage,
        0 if stage in (1, 3) else None,
        round(stability, 4),
        round(difficulty, 4),
        due_column,
        last_column,
        count,
        lapses,
        False,
        False,
        count,
        first_column,
    )
    return rows, final


def _content(*, cards: int) -> list[int]:
    """A synthetic article with topics, lessons and published cards; returns the card ids."""
    from quizzes.content.models import (
        Article,
        Card,
        CardKind,
        CardOrigin,
        CardStatus,
        Choice,
        Lesson,
        Topic,
        TopicKind,
    )

    article = Article.objects.create(
        title="Benchmark: bone metastases revision",
        slug=BENCH_SLUG,
        source_name="bench",
        content_hash="0" * 64,
    )
    topic_count = max(1, -(-cards // (CARDS_PER_LESSON * LESSONS_PER_TOPIC)))
    topics = Topic.objects.bulk_create(
        Topic(
            article=article,
            key=f"bench-topic-{n}",
            kind=TopicKind.KEY_FACT,
            number=n,
            title=f"Key fact {n}: skeletal metastases, aspect {n}",
            slug=f"bench-topic-{n}",
            position=n,
        )
        for n in range(1, topic_count + 1)
    )
    lessons = Lesson.objects.bulk_create(
        Lesson(
            topic=topic,
            key=f"bench-lesson-{topic.number}-{m}",
            title=f"Lesson {topic.number}.{m}",
            position=m,
            body=(
                "Bone is the third most common site of metastasis after lung and liver. "
                "**Osteolytic** lesions destroy bone; *osteoblastic* lesions form new bone.\n\n"
                "- Breast and prostate cancers most often spread to bone.\n"
                "- Pain, fractures, hypercalcaemia and cord compression are the main events."
            ),
            source_passage="Bone is the third most common site of metastasis.",
        )
        for topic in topics
        for m in range(LESSONS_PER_TOPIC)
    )
    kinds = [CardKind.BASIC] * 6 + [CardKind.MCQ] * 2 + [CardKind.CLOZE, CardKind.TRUE_FALSE]
    created = Card.objects.bulk_create(
        Card(
            topic=lessons[n // CARDS_PER_LESSON].topic,
            lesson=lessons[n // CARDS_PER_LESSON],
            key=f"bench-card-{n}",
            origin=CardOrigin.GENERATED,
            kind=kinds[n % len(kinds)],
            status=CardStatus.PUBLISHED,
            front=(
                "Spinal cord compression is an {{c1::oncological emergency}}."
                if kinds[n % len(kinds)] == CardKind.CLOZE
                else f"Question {n}: which lesson type destroys bone tissue?"
            ),
            back="Osteolytic lesions.",
            explanation="Osteoclast activity outpaces new bone formation.",
            source_excerpt="Osteolytic lesions destroy bone.",
            critical=n % 17 == 0,
            position=n,
        )
        for n in range(cards)
    )
    card_ids = list(
        Card.objects.filter(topic__article=article)
        .order_by("position")
        .values_list("id", flat=True)
    )
    choices = []
    for card, card_id in zip(created, card_ids, strict=True):
        if card.kind == CardKind.MCQ:
            options = [("Osteolytic", True), ("Osteoblastic", False), ("Mixed", False)]
        elif card.kind == CardKind.TRUE_FALSE:
            options = [("True", True), ("False", False)]
        else:
            continue
        choices.extend(
            Choice(card_id=card_id, text=text, is_correct=right, position=position)
            for position, (text, right) in enumerate(options)
        )
    Choice.objects.bulk_create(choices)
    return card_ids


def _users(*, learners: int, now: datetime) -> list[int]:
    """Learners (one shared password hash) and an instructor; returns the learner ids."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from quizzes.core.roles import INSTRUCTORS_GROUP, ensure_instructor_group

    user_model = get_user_model()
    password = make_password(BENCH_PASSWORD)
    user_model.objects.bulk_create(
        user_model(
            username=f"{LEARNER_PREFIX}{n:04d}",
            first_name=f"Learner {n}",
            email=f"learner{n}@bench.example.org",
            password=password,
            date_joined=now - timedelta(days=366),
        )
        for n in range(learners)
    )
    instructor = user_model.objects.create(
        username=INSTRUCTOR_USERNAME, password=password, is_staff=True, date_joined=now
    )
    ensure_instructor_group()
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    cohort, _ = Group.objects.get_or_create(name="Bench ward")
    learner_ids = list(
        user_model.objects.filter(username__startswith=LEARNER_PREFIX)
        .order_by("username")
        .values_list("id", flat=True)
    )
    cohort.user_set.add(*learner_ids)
    return learner_ids


def _history_rows(
    *, learner_ids: Iterable[int], card_ids: Sequence[int], now: datetime, vendor: str, seed: int
) -> Iterator[tuple[str, tuple]]:
    """Stream ("memory", row) and ("log", row) tuples, one learner at a time."""
    due_every = max(1, round(1 / DUE_SHARE))
    clock = Clock(vendor)
    epoch = int(now.timestamp())
    for learner_id in learner_ids:
        rng = random.Random(seed * 1_000_003 + learner_id)
        due_offset = rng.randrange(due_every)
        for index, card_id in enumerate(card_ids):
            rows, final = _card_history(
                rng=rng,
                now=epoch,
                count=BASE_REVIEWS + (1 if index % 3 == 0 else 0),
                due_now=(index + due_offset) % due_every == 0,
                clock=clock,
                prefix=f"bench-{learner_id}-{card_id}",
            )
            for row in rows:
                yield "log", (learner_id, card_id, *row)
            yield "memory", (learner_id, card_id, *final)


LOG_FIELDS = (
    "user_id",
    "card_id",
    "rating",
    "reviewed_at",
    "duration_ms",
    "source",
    "stage_before",
    "state_before",
    "state_after",
    "interval_seconds",
    "desired_retention",
    "token",
)
MEMORY_FIELDS = (
    "user_id",
    "card_id",
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "is_leech",
    "version",
    "unlocked_at",
)


def generate(
    *,
    learners: int = 1000,
    cards: int = 300,
    batch_size: int = 20_000,
    now: datetime | None = None,
    seed: int = 7,
    log: Any = None,
) -> DatasetReport:
    """Write the dataset into the configured database (which must hold no bench data yet)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from quizzes.review.models import LessonRead, MemoryState, ReviewLog

    now = now or timezone.now()
    vendor = connection.vendor
    report = DatasetReport(vendor=vendor)
    started = time.perf_counter()

    def step(name: str, since: float) -> float:
        report.timings[name] = round(time.perf_counter() - since, 2)
        if log:
            log(f"  {name}: {report.timings[name]:.1f} s")
        return time.perf_counter()

    mark = started
    fast_load = vendor == "sqlite" and not connection.in_atomic_block
    if fast_load:
        # A throwaway database: no fsync and a large page cache while loading.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-131072")
    with transaction.atomic():
        card_ids = _content(cards=cards)
        learner_ids = _users(learners=learners, now=now)
    mark = step("content and users", mark)

    reads = BatchWriter(LessonRead, ("user_id", "lesson_id", "read_at"), batch_size=batch_size)
    from quizzes.content.models import Lesson

    lesson_ids = list(
        Lesson.objects.filter(topic__article__slug=BENCH_SLUG).values_list("id", flat=True)
    )
    read_at = _db_time(now - timedelta(days=365), vendor)
    memory = BatchWriter(MemoryState, MEMORY_FIELDS, batch_size=batch_size)
    logs = BatchWriter(ReviewLog, LOG_FIELDS, batch_size=batch_size)
    for learner_id in learner_ids:
        for lesson_id in lesson_ids:
            reads.add((learner_id, lesson_id, read_at))
    reads.flush()
    for kind, row in _history_rows(
        learner_ids=learner_ids, card_ids=card_ids, now=now, vendor=vendor, seed=seed
    ):
        (logs if kind == "log" else memory).add(row)
    logs.flush()
    memory.flush()
    mark = step("memory states and review logs", mark)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if fast_load:
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    step("analyze", mark)

    report.learners = len(learner_ids)
    report.cards = len(card_ids)
    report.memory_states = memory.rows
    report.review_logs = logs.rows
    report.lesson_reads = reads.rows
    report.batches = memory.batches + logs.batches + reads.batches
    report.seconds = round(time.perf_counter() - started, 2)
    report.peak_rss_mb = round(_peak_rss_mb(), 1)
    return report


def create_sessions(*, usernames: Sequence[str], lifetime: timedelta = timedelta(days=1)) -> dict:
    """Signed-in sessions for the given users, as the login view would leave them; username → key.

    The benchmark measures the pages, not PBKDF2: logging 1,000 learners in through the form would
    spend its time hashing passwords.
    """
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expire = timezone.now() + lifetime
    keys: dict[str, str] = {}
    sessions = []
    for user in get_user_model().objects.filter(username__in=usernames):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        keys[user.get_username()] = key
    Session.objects.bulk_create(sessions, batch_size=1000)
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--sessions", help="write signed-in session keys (JSON) to this file")
    parser.add_argument("--report", help="write the dataset report (JSON) to this file")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    django.setup()
    report = generate(
        learners=args.learners,
        cards=args.cards,
        batch_size=args.batch_size,
        log=lambda line: print(line, flush=True),
    )
    print(
        f"dataset: {report.learners} learners × {report.cards} cards, "
        f"{report.memory_states:,} memory states, {report.review_logs:,} review logs "
        f"in {report.seconds:.1f} s on {report.vendor} (peak memory {report.peak_rss_mb:.0f} MB)",
        flush=True,
    )
    if args.sessions:
        from django.contrib.auth import get_user_model

        usernames = list(
            get_user_model()
            .objects.filter(username__startswith=LEARNER_PREFIX)
            .order_by("username")
            .values_list("username", flat=True)
        )
        keys = create_sessions(usernames=[*usernames, INSTRUCTOR_USERNAME])
        payload = {
            "learners": [keys[name] for name in usernames],
            "instructors": [keys[INSTRUCTOR_USERNAME]],
        }
        with open(args.sessions, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            json.dump(asdict(report), handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
