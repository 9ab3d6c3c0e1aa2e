"""Writing a parsed article to the database: the article, its topics and lessons, and retiring
what left the article (see quizzes.content.services.importing for who owns which row)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from quizzes.content.cardgen import CardDraft
from quizzes.content.models import Article, Card, CardStatus, Lesson, Topic
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
        prune: bool = False,
        uploaded_by: Any = None,
    ) -> None:
        self.parsed = parsed
        self.report = report
        self.source_name = source_name
        self.content_hash = content_hash
        self.prune = prune
        # Lessons whose source passage this import changes: id → the new passage.
        self.new_passages: dict[int, str] = {}
        # What _sync created or updated (bucket, key, changed fields), read back for the diff.
        self.written: list[tuple[str, Any, list[str]]] = []
        # The instructor who uploaded the file in the admin; None for the import command.
        self.uploaded_by = uploaded_by

    def write(self, *, curated: list[CardDraft] | None, generated: list[CardDraft]) -> None:
        article = self._article()
        topics = self._topics(article)
        lessons = self._lessons(topics)
        self._note_source_changes()
        self._cards(article, topics, lessons, curated=curated, generated=generated)
        self._retire_lessons_and_topics(article, topics, lessons)

    # Article -----------------------------------------------------------------------------------
    def _article(self) -> Article:
        parsed = self.parsed
        article = Article.objects.filter(slug=parsed.slug).first()
        faq = [{"question": entry.question, "answer": entry.answer} for entry in parsed.faq]
        wanted = {
            "title": parsed.title,
            "source_name": self.source_name,
            "content_hash": self.content_hash,
            "faq": self._merged("FAQ entry", article.faq if article else [], faq),
            "references": self._merged(
                "references", article.references if article else [], list(parsed.references)
            ),
        }
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

    def _merged(self, what: str, old: list, new: list) -> list:
        """The article's FAQ or references after this import: what the file says, plus what left
        it unless pruning; a file without any keeps them all (a parse that lost them is not a
        decision to delete them)."""
        if not new and old:
            section, entries = ("FAQ", "FAQ entries") if what == "FAQ entry" else (what, what)
            self.report.warnings.append(
                f"the file has no {section}; the article keeps its {len(old)} {entries}"
            )
            return old

        def identity(entry: Any) -> str:
            text = entry["question"] if isinstance(entry, dict) else entry
            return " ".join(str(text).split()).casefold()

        present = {identity(entry) for entry in new}
        gone = [entry for entry in old if identity(entry) not in present]
        for entry in gone:
            text = entry["question"] if isinstance(entry, dict) else entry
            if self.prune:
                self.report.changes.append(f"remove {what.removesuffix('s')} “{text}”")
            else:
                self.report.hold(None, f"keep {what.removesuffix('s')} “{text}” (not in the file)")
        return new if self.prune else new + gone

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
        titles = {
            (topic.key, lesson.key): f"{topic.title} › {lesson.title}"
            for topic in self.parsed.topics
            for lesson in topic.lessons
        }
        cited = {key: (lesson.body, lesson.source_passage) for key, lesson in existing.items()}
        rows = self._sync(
            Lesson,
            existing,
            wanted,
            parent={},
            label="/".join,
            key_of=lambda lesson: (key_of_topic[lesson.topic_id], lesson.key),
        )
        for bucket, key, changed in self.written:
            self.report.lessons["added" if bucket == "created" else "changed"].append(titles[key])
            if "source_passage" in changed:
                self.new_passages[rows[key].id] = wanted[key]["source_passage"]
        # A lesson whose text the import changed: the cards citing it show "source changed".
        edited = [
            rows[key]
            for key, text in cited.items()
            if (rows[key].body, rows[key].source_passage) != text
        ]
        cards_flag_source_changed(lessons=edited, now=timezone.now())
        return rows

    def _note_source_changes(self) -> None:
        """Cards whose quoted source no longer reads the same in their lesson's new passage."""
        if not self.new_passages:
            return
        cards = Card.objects.filter(lesson_id__in=self.new_passages).exclude(
            status=CardStatus.ARCHIVED
        )
        for card in cards.only("key", "front", "source_excerpt", "lesson_id", "status", "origin"):
            passage = " ".join(self.new_passages[card.lesson_id].split())
            if " ".join(card.source_excerpt.split()) not in passage:
                self.report.source_changed.append(
                    f"{card.front[:80]} ({card.get_origin_display().lower()}, "
                    f"{card.get_status_display().lower()})"
                )

    def _sync(
        self, model: Any, existing: dict, wanted: dict, *, parent: dict, label: Any, key_of: Any
    ) -> dict:
        """Create missing rows and update the importer's unchanged ones in bulk; returns every row.

        A row an instructor changed (or added in the admin) is kept exactly as it is.
        """
        name = model.__name__
        self.written = []
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
                self.written.append(("created", key, list(values)))
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
                self.written.append(("updated", key, changed))
            else:
                # A row from before fingerprints, already as the article has it: adopted.
                self.report.note("unchanged", name)
        created = model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(fields))
        rows = dict(existing)
        rows.update((key_of(row), row) for row in created)
        return rows

    # Lessons and topics that left the file ---------------------------------------------------
    def _retire_lessons_and_topics(
        self, article: Article, topics: dict[str, Topic], lessons: dict[tuple[str, str], Lesson]
    ) -> None:
        self.article_id = article.id
        self.topic_ids = {key: topic.id for key, topic in topics.items()}
        self.topic_titles = {topic.id: topic.title for topic in topics.values()}
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
        """The ids to delete: importer-written rows nobody changed or uses, when pruning.

        Without pruning every row that left the file stays (held back); an unchanged one moves
        after the rows the file still has, so two rows never share a position.
        """
        name = model.__name__
        to_delete, moved = [], []
        for label, row in gone.items():
            untouched = row_fingerprint(row_values(row, fields)) == row.import_fingerprint
            if name == "Lesson":
                topic_title = self.topic_titles.get(row.topic_id, "")
                self.report.lessons["removed"].append(f"{topic_title} › {row.title}")
            if not untouched:
                self.report.note("kept", name, f"keep {name} {label} (changed by an instructor)")
            elif row.id in in_use and self.prune:
                self.report.note("kept", name, f"keep {name} {label} (still in use)")
            elif self.prune:
                to_delete.append(row.id)
                self.report.note("deleted", name, f"delete {name} {label}")
            else:
                self.report.hold(name, f"keep {name} {label} (not in the file)")
                moved.append(row)
        self._move_after_the_file(model, moved, fields)
        return to_delete

    def _move_after_the_file(self, model: Any, rows: list[Any], fields: tuple[str, ...]) -> None:
        """Held-back rows go after their siblings from the file, in their old order."""
        parent = "article_id" if model is Topic else "topic_id"
        counts: dict[int, int] = {}
        if model is Topic:
            counts[self.article_id] = len(self.parsed.topics)
        else:
            for topic in self.parsed.topics:
                if topic.key in self.topic_ids:
                    counts[self.topic_ids[topic.key]] = len(topic.lessons)
        changed = []
        for row in sorted(rows, key=lambda row: (row.position, row.id)):
            position = counts.get(getattr(row, parent), 0)
            counts[getattr(row, parent)] = position + 1
            if row.position != position:
                row.position = position
                row.import_fingerprint = row_fingerprint(row_values(row, fields))
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, ["position", "import_fingerprint"])
