"""Writing a parsed article to the database: the article, its topics and lessons, and retiring
what left the article (see quizzes.content.services.importing for who owns which row)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from quizzes.content.cardgen import CardDraft
from quizzes.content.models import Article, Card, Lesson, Topic
from quizzes.content.parsing.tree import ParsedArticle, slugify
from quizzes.content.services.fingerprints import plain, row_fingerprint, row_values
from quizzes.content.services.import_cards import CardWriter
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.reports import cards_flag_source_changed
from quizzes.content.usage import in_use_ids

TOPIC_FIELDS = ("kind", "number", "title", "slug", "position")
LESSON_FIELDS = ("topic_id", "title", "position", "body", "source_passage")


class ImportWriter(CardWriter):
    def __init__(
        self,
        parsed: ParsedArticle,
        report: ImportReport,
        *,
        source_name: str,
        content_hash: str,
        uploaded_by: Any = None,
    ) -> None:
        self.parsed = parsed
        self.report = report
        self.source_name = source_name
        self.content_hash = content_hash
        # The instructor who uploaded the file in the admin; None for the import command.
        self.uploaded_by = uploaded_by

    def write(self, *, curated: list[CardDraft] | None, generated: list[CardDraft]) -> None:
        article = self._article()
        topics = self._topics(article)
        lessons = self._lessons(topics)
        self._cards(article, topics, lessons, curated=curated, generated=generated)
        self._retire_lessons_and_topics(article, topics, lessons)

    # Article -----------------------------------------------------------------------------------
    def _article(self) -> Article:
        parsed = self.parsed
        wanted = {
            "title": parsed.title,
            "source_name": self.source_name,
            "content_hash": self.content_hash,
            "faq": [{"question": entry.question, "answer": entry.answer} for entry in parsed.faq],
            "references": list(parsed.references),
        }
        article = Article.objects.filter(slug=parsed.slug).first()
        if article is None:
            article = Article.objects.create(slug=parsed.slug, **wanted)
            self.report.note("created", "Article", f"create Article {parsed.slug}")
            return article
        changed = [name for name, value in wanted.items() if getattr(article, name) != value]
        if changed:
            for name in changed:
                setattr(article, name, wanted[name])
            article.save()
            self.report.note(
                "updated", "Article", f"update Article {parsed.slug} ({', '.join(changed)})"
            )
        else:
            self.report.note("unchanged", "Article")
        return article

    # Topics -------------------------------------------------------------------------------------
    def _topics(self, article: Article) -> dict[str, Topic]:
        existing = {topic.key: topic for topic in Topic.objects.filter(article=article)}
        wanted = {}
        for position, parsed in enumerate(self.parsed.topics):
            wanted[parsed.key] = {
                "kind": parsed.kind,
                "number": parsed.number,
                "title": parsed.title,
                "slug": slugify(f"{article.slug}-{parsed.key}", max_length=120),
                "position": position,
            }
        key_of_slug = {values["slug"]: key for key, values in wanted.items()}
        for topic_id, slug, title in Topic.objects.filter(slug__in=key_of_slug).values_list(
            "id", "slug", "title"
        ):
            owner = existing.get(key_of_slug[slug])
            if owner is None or owner.id != topic_id:
                # Another topic (of another article, or added in the admin) holds the address.
                raise ArticleImportError(
                    f"topic slug {slug} is already used by the topic {title!r}; "
                    "change that topic's slug in the admin, then import again"
                )
        return self._sync(
            Topic,
            existing,
            wanted,
            parent={"article": article},
            label=str,
            key_of=lambda t: t.key,
        )

    # Lessons ------------------------------------------------------------------------------------
    def _lessons(self, topics: dict[str, Topic]) -> dict[tuple[str, str], Lesson]:
        key_of_topic = {topic.id: key for key, topic in topics.items()}
        existing = {
            (key_of_topic[lesson.topic_id], lesson.key): lesson
            for lesson in Lesson.objects.filter(topic_id__in=key_of_topic)
        }
        wanted = {}
        for parsed_topic in self.parsed.topics:
            for position, parsed in enumerate(parsed_topic.lessons):
                wanted[(parsed_topic.key, parsed.key)] = {
                    "topic_id": topics[parsed_topic.key].id,
                    "title": parsed.title,
                    "position": position,
                    "body": parsed.body,
                    "source_passage": parsed.source,
                }
        cited = {key: (lesson.body, lesson.source_passage) for key, lesson in existing.items()}
        lessons = self._sync(
            Lesson,
            existing,
            wanted,
            parent={},
            label="/".join,
            key_of=lambda lesson: (key_of_topic[lesson.topic_id], lesson.key),
        )
        # A lesson whose text the import changed: the cards citing it show "source changed".
        edited = [
            lessons[k]
            for k, text in cited.items()
            if (lessons[k].body, lessons[k].source_passage) != text
        ]
        cards_flag_source_changed(lessons=edited, now=timezone.now())
        return lessons

    def _sync(
        self, model: Any, existing: dict, wanted: dict, *, parent: dict, label: Any, key_of: Any
    ) -> dict:
        """Create missing rows and update the importer's unchanged ones in bulk; returns every row.

        A row an instructor changed (or added in the admin) is kept exactly as it is.
        """
        name = model.__name__
        to_create, to_update, fields = [], [], {"import_fingerprint"}
        for key, values in wanted.items():
            fingerprint = row_fingerprint(values)
            row = existing.get(key)
            if row is None:
                row_key = key[1] if isinstance(key, tuple) else key
                to_create.append(
                    model(key=row_key, import_fingerprint=fingerprint, **parent, **values)
                )
                self.report.note("created", name, f"create {name} {label(key)}")
                continue
            current = row_fingerprint(row_values(row, tuple(values)))
            if row.import_fingerprint and current != row.import_fingerprint:
                self.report.note(
                    "kept", name, f"keep {name} {label(key)} (changed by an instructor)"
                )
                continue
            if not row.import_fingerprint and current != fingerprint:
                self.report.note("kept", name, f"keep {name} {label(key)} (added in the admin)")
                continue
            if row.import_fingerprint == fingerprint:
                self.report.note("unchanged", name)
                continue
            changed = [f for f, value in values.items() if plain(getattr(row, f)) != plain(value)]
            for field_name, value in values.items():
                setattr(row, field_name, value)
            row.import_fingerprint = fingerprint
            fields.update(values)
            to_update.append(row)
            if changed:
                self.report.note(
                    "updated", name, f"update {name} {label(key)} ({', '.join(changed)})"
                )
            else:
                # A row from before fingerprints, already as the article has it: adopted.
                self.report.note("unchanged", name)
        created = model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(fields))
        rows = dict(existing)
        rows.update((key_of(row), row) for row in created)
        return rows

    # Cards --------------------------------------------------------------------------------------
    def _retire_lessons_and_topics(
        self, article: Article, topics: dict[str, Topic], lessons: dict[tuple[str, str], Lesson]
    ) -> None:
        wanted_lessons = {
            (topic.key, lesson.key) for topic in self.parsed.topics for lesson in topic.lessons
        }
        gone_lessons = {
            "/".join(key): lesson
            for key, lesson in lessons.items()
            if key not in wanted_lessons and lesson.import_fingerprint
        }
        if gone_lessons:
            ids = [lesson.id for lesson in gone_lessons.values()]
            in_use = set(Card.objects.filter(lesson_id__in=ids).values_list("lesson_id", flat=True))
            in_use |= in_use_ids(Lesson, ids)
            to_delete = self._retire(Lesson, gone_lessons, LESSON_FIELDS, in_use)
            Lesson.objects.filter(id__in=to_delete).delete()

        wanted_topics = {topic.key for topic in self.parsed.topics}
        gone_topics = {
            key: topic
            for key, topic in topics.items()
            if key not in wanted_topics and topic.import_fingerprint
        }
        if gone_topics:
            ids = [topic.id for topic in gone_topics.values()]
            in_use = set(Card.objects.filter(topic_id__in=ids).values_list("topic_id", flat=True))
            # Lessons still there: kept ones and those written in the admin.
            in_use |= set(
                Lesson.objects.filter(topic_id__in=ids).values_list("topic_id", flat=True)
            )
            to_delete = self._retire(Topic, gone_topics, TOPIC_FIELDS, in_use)
            Topic.objects.filter(id__in=to_delete).delete()

    def _retire(
        self, model: Any, gone: dict[str, Any], fields: tuple[str, ...], in_use: set[int]
    ) -> list[int]:
        """The ids of importer-written rows nobody changed or uses; the others are reported kept."""
        name = model.__name__
        to_delete = []
        for label, row in gone.items():
            if row_fingerprint(row_values(row, fields)) != row.import_fingerprint:
                self.report.note("kept", name, f"keep {name} {label} (changed by an instructor)")
            elif row.id in in_use:
                self.report.note("kept", name, f"keep {name} {label} (still in use)")
            else:
                to_delete.append(row.id)
                self.report.note("deleted", name, f"delete {name} {label}")
        return to_delete
