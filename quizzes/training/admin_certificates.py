"""The instructor admin for certificates (revocation, with a reason, logged), the instructors of
learner groups (who get the weekly digest) and the record of reminders sent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from quizzes.training.errors import CertificateRevoked
from quizzes.training.forms import RevokeForm
from quizzes.training.models import Certificate, GroupInstructor, Reminder
from quizzes.training.services.certificates import certificate_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learners' records (attempts, completions, certificates, reminders sent): viewable, never
    added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "learner_name",
        "module_title",
        "module_version",
        "score",
        "completed_at",
        "is_valid",
    ]
    list_filter = ["module_title", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "learner_name", "module_title", "completion__user__username"]
    readonly_fields = [field.name for field in Certificate._meta.fields]
    actions = ["revoke"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("training.revoke_certificate")

    @admin.display(boolean=True, description="Valid")
    def is_valid(self, obj: Certificate) -> bool:
        return obj.is_valid

    @admin.action(description="Revoke selected certificates", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> HttpResponse | None:
        """Ask for a reason first (a confirmation page), then revoke and log each certificate."""
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            revoked = 0
            for certificate in queryset:
                try:
                    certificate_revoke(
                        certificate=certificate,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        now=timezone.now(),
                    )
                except CertificateRevoked as error:
                    self.message_user(request, str(error), messages.WARNING)
                    continue
                self.log_change(request, certificate, f"Revoked: {form.cleaned_data['reason']}")
                revoked += 1
            self.message_user(
                request, f"{revoked} certificate{'s' if revoked != 1 else ''} revoked."
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Revoke certificates",
            "certificates": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/training/revoke_certificates.html", context)


@admin.register(GroupInstructor)
class GroupInstructorAdmin(admin.ModelAdmin):
    list_display = ["group", "instructor"]
    list_select_related = ["group", "instructor"]
    autocomplete_fields = ["instructor"]
    list_filter = ["group"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """What send_reminders sent: a record, never edited."""

    list_display = ["kind", "user", "module", "key", "sent_at"]
    list_filter = ["kind", "module"]
    list_select_related = ["user", "module"]
    search_fields = ["user__username", "key"]
