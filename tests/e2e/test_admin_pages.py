"""Every admin page an instructor or the superuser opens, in Chromium under the site's
Content-Security-Policy (the `page` fixture fails on any violation), and the card CSV import from
upload to "already imported"."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from quizzes.content.models import Card, ImportPreview
from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.content.test_admin_resources import new_row, to_csv
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import LessonFactory, UserFactory, make_choice_card, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "admin"
# Posts the given fields as a form from the page, as the preview's own form would.
RESUBMIT = """({action, fields}) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  for (const [name, value] of fields) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}"""


def _admin_log_in(page, username: str) -> None:
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/admin/login/" not in page.url, f"admin log-in as {username} failed"


def _admin_urls(card: Card, superuser) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    request = RequestFactory().get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{prefix}_add"))
    return [
        *urls,
        reverse("admin:content_card_change", args=[card.pk]),
        reverse("admin:content_card_preview", args=[card.pk]),
        reverse("admin:content_card_history", args=[card.pk]),
        reverse("admin:content_card_delete", args=[card.pk]),
        reverse("admin:content_card_import"),
        reverse("admin:content_card_export"),
        reverse("admin:content_article_upload"),
        reverse("admin:training_assignment_upload_learners"),
        reverse("admin:training_completion_report"),
    ]


def test_every_admin_page_keeps_to_the_content_security_policy(page):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    card = make_choice_card()
    make_module(cards=[card])
    _admin_log_in(page, "root")
    for url in _admin_urls(card, root):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    # The card form's choices inline adds rows with the admin's own script.
    page.goto(reverse("admin:content_card_change", args=[card.pk]))
    page.locator("#choices-group .add-row a").click()
    screenshot(page, JOURNEY, "01-card-form")


def test_an_instructor_imports_a_csv_once(page, tmp_path):
    instructor = UserFactory(username="instructor", is_staff=True)
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    lesson = LessonFactory()
    upload = tmp_path / "new-cards.csv"
    upload.write_text(
        to_csv(
            [new_row(lesson), new_row(lesson, front="=HYPERLINK(1): which lesion destroys bone?")]
        )
    )

    _admin_log_in(page, "instructor")
    page.goto(reverse("admin:content_card_changelist"))
    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_load_state()
    page.locator("#id_import_file").set_input_files(str(upload))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    assert page.get_by_text("Below is a preview of data to be imported").is_visible()
    screenshot(page, JOURNEY, "02-import-preview")
    assert not Card.objects.exists()

    confirm_form = page.locator("form", has=page.get_by_role("button", name="Confirm import"))
    fields = confirm_form.locator("input[type=hidden]").evaluate_all(
        "inputs => inputs.map(input => [input.name, input.value])"
    )
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_load_state()
    assert page.get_by_text("Import finished: 2 new").is_visible()
    assert Card.objects.count() == 2
    assert ImportPreview.objects.get().imported_at is not None

    # The same preview confirmed from a second tab (or a double submit) writes nothing.
    second = page.context.new_page()
    second.goto(reverse("admin:content_card_import"))
    with second.expect_navigation():
        action = reverse("admin:content_card_process_import")
        second.evaluate(RESUBMIT, {"action": action, "fields": fields})
    assert second.get_by_text("was already imported").is_visible()
    screenshot(second, JOURNEY, "03-already-imported")
    assert Card.objects.count() == 2
