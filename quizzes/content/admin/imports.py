"""The card admin's CSV import and export: django-import-export, configured to import exactly once.

- The preview's rows wait in the shared cache under a random key (PreviewStorage, the library's
  CacheStorage kept an hour); the browser sends back only that key, checked against the previews
  its user made (ImportPreview), so no name it sends can reach the file system.
- Confirming claims the preview inside the import's transaction: a second confirm, even at the
  same moment, is told "already imported" and writes nothing.
- Every confirm field is checked: a malformed one is a 400, never a server error.
- The CSV escapes formulas on the way out and reads its own escaping back (SpreadsheetCSV).
"""

from __future__ import annotations

from typing import Any

from diff_match_patch import diff_match_patch
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.resources import Diff
from import_export.results import Result

from quizzes.content.services.import_previews import (
    PreviewRefused,
    PreviewStorage,
    preview_claim,
    preview_discard,
    preview_record,
    preview_rows,
)
from quizzes.core.spreadsheets import SpreadsheetCSV

NOT_UNDERSTOOD = "The confirmation was not understood; upload the file again."
# Colours for the preview's differences, and a wide preview that scrolls within itself on a phone.
PREVIEW_MEDIA = {"all": ["quizzes/css/admin-import.css"]}
DIFF_TAGS = {diff_match_patch.DIFF_INSERT: "ins", diff_match_patch.DIFF_DELETE: "del"}


class StylelessDiff(Diff):
    """The preview's changes per cell as plain <ins> and <del>: the library's carry style
    attributes, which the Content-Security-Policy refuses (admin-import.css colours them)."""

    def as_html(self) -> list[SafeString]:
        matcher = diff_match_patch()
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            if before != after and self.new:
                before = ""
            changes = matcher.diff_main(force_str(before), force_str(after))
            matcher.diff_cleanupSemantic(changes)
            cells.append(
                mark_safe("".join(_marked(operation, text) for operation, text in changes))
            )
        return cells


def _marked(operation: int, text: str) -> str:
    tag = DIFF_TAGS.get(operation, "span")
    return f"<{tag}>{escape(text)}</{tag}>"


def _indices(items: Any) -> list[tuple[str, str]]:
    return [(str(index), str(index)) for index in range(len(items))]


class CardImportForm(ImportForm):
    class Media:
        css = PREVIEW_MEDIA


class ConfirmCardImportForm(ConfirmImportForm):
    """The confirm step names its preview by the random key the preview step made."""

    class Media:
        css = PREVIEW_MEDIA

    import_file_name = forms.RegexField(regex=r"\A[0-9a-f]{32}\Z", widget=forms.HiddenInput)
    # Shown to the instructor only: the preview's own record holds the name that is logged.
    original_file_name = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)
    format = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    resource = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=0, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, formats: Any = (), resources: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = _indices(formats)
        self.fields["resource"].choices = _indices(resources)


class ExactlyOnceImportMixin(ImportExportMixin):
    formats = [SpreadsheetCSV]
    tmp_storage_class = PreviewStorage
    import_form_class = CardImportForm
    confirm_form_class = ConfirmCardImportForm
    # Every column, always: the file must import back, and the library's column picker needs
    # inline event handlers that the Content-Security-Policy refuses.
    export_form_class = ExportForm

    def get_confirm_form_kwargs(self, request: HttpRequest, import_form: Any = None) -> dict:
        return {
            **super().get_confirm_form_kwargs(request, import_form),
            "formats": self.get_import_formats(),
            "resources": self.get_import_resource_classes(request),
        }

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The library's preview step; then the preview is recorded for this user, or, when its
        rows have errors and can never be confirmed, dropped at once."""
        response = super().import_action(request, **kwargs)
        upload = request.FILES.get("import_file")
        key = getattr(upload, "tmp_storage_name", None)
        if key is not None:
            context = getattr(response, "context_data", None) or {}
            if context.get("confirm_form") is None:
                preview_discard(key)
            else:
                preview_record(
                    key=key, user=request.user, file_name=upload.name, now=timezone.now()
                )
        return response

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The confirm step: claim the preview once, import its rows, all in one transaction."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return self._import_page(request, problem=NOT_UNDERSTOOD, status=400)
        input_format = self.get_import_formats()[form.cleaned_data["format"]](
            encoding=self.from_encoding
        )
        try:
            with transaction.atomic():
                preview = preview_claim(
                    key=form.cleaned_data["import_file_name"], user=request.user, now=timezone.now()
                )
                data = preview_rows(
                    preview,
                    encoding=None if input_format.is_binary() else self.from_encoding,
                    read_mode=input_format.get_read_mode(),
                )
                result = self.process_dataset(
                    input_format.create_dataset(data),
                    form,
                    request,
                    file_name=preview.file_name,
                    rollback_on_validation_errors=True,
                    **kwargs,
                )
                if result.has_errors() or result.has_validation_errors():
                    # The cards changed since the preview: nothing is written, the claim is
                    # released, and the rows that no longer pass are shown.
                    transaction.set_rollback(True)
                    return self._import_page(
                        request,
                        problem="Nothing was imported: some rows no longer pass the checks.",
                        status=400,
                        result=result,
                    )
                response = self.process_result(result, request)
        except PreviewRefused as refusal:
            return self._import_page(request, problem=str(refusal), status=refusal.status)
        preview_discard(preview.key)
        return response

    def _import_page(
        self, request: HttpRequest, *, problem: str, status: int, result: Result | None = None
    ) -> TemplateResponse:
        """The import page again, with the reason at the top, to upload the file anew."""
        self.message_user(request, problem, messages.ERROR)
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        resources = [
            resource_class(**self.get_import_resource_kwargs(request))
            for resource_class in self.get_import_resource_classes(request)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [field.column_name for field in resource.get_user_visible_fields()],
                )
                for resource in resources
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=status)
