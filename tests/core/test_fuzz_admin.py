"""Random and malformed input to the admin: every list's filters and search, the card CSV import,
confirm and export, and the article upload. Never a server error; the previews never write."""

from __future__ import annotations

import json
import os

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.content.models import Article, Card, Choice, ImportPreview, Lesson, Topic
from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.core.test_fuzz_posts import FUZZ, odd_charset_posts, post_in_charset, text, value, values
from tests.factories import UserFactory, make_choice_card

# Every registered admin list, by label, so the test ids say which one failed.
ADMIN_MODELS = {model._meta.label: model for model in admin.site._registry}
# Parameters every list understands, and lookups an attacker may try on any field.
LIST_PARAMETERS = ["q", "o", "p", "all", "e", "_to_field", "_popup", "_changelist_filters"]
LOOKUPS = ["exact", "iexact", "startswith", "in", "isnull", "gte", "range", "year", "date", "regex"]

CARD_HEADER = "key,topic,lesson,kind,status,critical,front,back,explanation,correct,choice_1"
csv_cell = st.one_of(value, st.sampled_from(["mcq", "published", "draft", "1", "0", "1;2"]))
csv_text = st.builds(
    lambda header, rows: "\n".join(
        [header, *(",".join(json.dumps(cell) for cell in row) for row in rows)]
    ),
    st.one_of(st.just(CARD_HEADER), text),
    st.lists(st.lists(csv_cell, max_size=12), max_size=4),
)
upload_bytes = st.one_of(
    st.binary(max_size=400),
    csv_text.map(str.encode),
    csv_text.map(lambda csv: csv.encode("utf-16")),
    st.just(b"\xef\xbb\xbf" + CARD_HEADER.encode() + b"\n\x00\x00\x00"),
)
# JSON of any shape, plus nesting far deeper than the parser recurses.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(text, children, max_size=3)
    ),
    max_leaves=12,
)
curated_json = st.one_of(
    json_values.map(json.dumps),
    st.builds(lambda cards: json.dumps({"version": 2, "cards": cards}), json_values),
    st.sampled_from([1_000, 100_000]).map(lambda depth: "[" * depth + "]" * depth),
    st.just('{"version": 2, "cards": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    text,
)
article_text = st.one_of(
    text,
    st.just("# Title\n\n## Section\n\n" + "- " * 2_000 + "deep"),
    st.just("# Title\n\n" + ">" * 5_000 + " quoted"),
)


def _staff(username: str, *, superuser: bool = False):
    user = UserFactory(username=username, is_staff=True, is_superuser=superuser)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff(db):
    make_choice_card(key="bm-mcq")
    return {"superuser": _staff("root", superuser=True), "instructor": _staff("instructor")}


# Admin POST endpoints and the field names their forms know.
ADMIN_FORMS = {
    "admin:content_card_import": ["import_file", "format", "resource"],
    "admin:content_card_process_import": ["import_file_name", "format", "resource"],
    "admin:content_card_export": ["format", "resource", "export_items"],
    "admin:content_article_upload": ["article", "curated_cards", "confirm", "payload"],
    "admin:content_card_changelist": ["action", "_selected_action", "index"],
    "admin:content_card_add": ["front", "kind", "status", "topic"],
}


@pytest.mark.parametrize("name", sorted(ADMIN_FORMS))
def test_admin_forms_in_odd_charsets_never_error_or_write(staff, name):
    user = staff["instructor"].user
    url = reverse(name)
    before = writes()

    @settings(FUZZ, max_examples=12)
    @given(post=odd_charset_posts(ADMIN_FORMS[name]))
    def check(post):
        post_in_charset(user, url, post)
        assert writes() == before

    check()


def _nameable(name: str) -> bool:
    # A name the test client can send at all (the server then sanitises it).
    return os.path.basename(name[:200]) not in {"", ".", ".."}


def writes() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Article, Topic, Lesson, Card, Choice, ImportPreview)
    )


def _list_parameters(client: Client, url: str, model) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    names = set(LIST_PARAMETERS)
    for spec in response.context["cl"].filter_specs:
        names.update(spec.expected_parameters())
    for field in model._meta.concrete_fields:
        names.update(f"{field.name}__{lookup}" for lookup in LOOKUPS)
    return sorted(names)


@pytest.mark.parametrize("label", sorted(ADMIN_MODELS))
def test_admin_lists_never_error_whatever_the_filters(staff, label):
    model = ADMIN_MODELS[label]
    client = staff["superuser"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    names = _list_parameters(client, url, model)

    # FUZZ_LIST_EXAMPLES=300 for a deeper search than the suite's.
    @settings(FUZZ, max_examples=int(os.environ.get("FUZZ_LIST_EXAMPLES", "15")))
    @given(query=st.dictionaries(st.one_of(st.sampled_from(names), text), values, max_size=4))
    def check(query):
        response = client.get(url, query)
        assert response.status_code < 500, f"GET {url} {query!r:.300}"

    check()


@pytest.mark.parametrize("label", ["content.Card", "content.Topic", "auth.User"])
def test_admin_list_actions_never_error(staff, label):
    model = ADMIN_MODELS[label]
    client = staff["instructor"] if label.startswith("content") else staff["superuser"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    fields = ["action", "_selected_action", "select_across", "index", "post", "q"]

    @FUZZ
    @given(data=st.dictionaries(st.one_of(st.sampled_from(fields), text), values, max_size=5))
    def check(data):
        assert client.post(url, data).status_code < 500, f"POST {url} {data!r:.300}"

    check()


def test_card_import_previews_never_error_or_write(staff):
    client = staff["instructor"]
    url = reverse("admin:content_card_import")
    before = writes()[:-1]

    @FUZZ
    @given(
        content=upload_bytes,
        name=st.one_of(st.just("cards.csv"), text.filter(_nameable)),
        format_=st.one_of(st.just("0"), value),
        resource=st.one_of(st.just("0"), value),
    )
    def check(content, name, format_, resource):
        upload = SimpleUploadedFile(name[:200], content, "text/csv")
        data = {"import_file": upload, "format": format_, "resource": resource}
        response = client.post(url, data)
        assert response.status_code < 500, f"import of {content!r:.200}"
        assert writes()[:-1] == before

    check()


def test_card_import_confirms_never_error_or_write(staff):
    client = staff["instructor"]
    url = reverse("admin:content_card_process_import")
    fields = ["import_file_name", "original_file_name", "format", "resource"]
    before = writes()

    @FUZZ
    @given(data=st.dictionaries(st.one_of(st.sampled_from(fields), text), values, max_size=6))
    def check(data):
        assert client.post(url, data).status_code < 500, f"confirm {data!r:.300}"
        assert writes() == before

    check()


def test_card_exports_never_error(staff):
    client = staff["instructor"]
    url = reverse("admin:content_card_export")
    fields = ["format", "resource", "export_items", "status__exact", "q"]

    @FUZZ
    @given(
        data=st.dictionaries(st.one_of(st.sampled_from(fields), text), values, max_size=4),
        query=st.dictionaries(st.sampled_from(["status__exact", "q", "kind"]), value, max_size=2),
    )
    def check(data, query):
        response = client.post(f"{url}?{_encode(query)}", data)
        assert response.status_code < 500, f"export {data!r:.200} {query!r:.200}"

    check()


def _encode(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def test_article_uploads_never_error_or_write(staff):
    client = staff["instructor"]
    url = reverse("admin:content_article_upload")
    before = writes()

    @settings(FUZZ, max_examples=25)
    @given(article=article_text, cards=st.one_of(st.none(), curated_json))
    def check(article, cards):
        data = {"article": SimpleUploadedFile("article.txt", article.encode())}
        if cards is not None:
            data["curated_cards"] = SimpleUploadedFile("article.cards.json", cards.encode())
        response = client.post(url, data)
        assert response.status_code < 500, f"upload {article!r:.100} {cards!r:.100}"
        assert writes() == before

    check()


def test_article_upload_confirms_never_error_or_write(staff):
    client = staff["instructor"]
    url = reverse("admin:content_article_upload")
    before = writes()

    @FUZZ
    @given(payload=values)
    def check(payload):
        response = client.post(url, {"confirm": "1", "payload": payload})
        assert response.status_code == 400, f"confirm {payload!r:.200}"
        assert writes() == before

    check()
