"""Content pages: an article's contents, and a learner's reports about cards (report a problem,
My reports, one report with the instructor's reply)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes.content.forms import CardReportForm
from quizzes.content.models import Article, CardReport
from quizzes.content.services.reports import (
    AlreadyReported,
    CardNotReportable,
    ReportRefused,
    TooManyReports,
    card_report,
    learner_replies_seen,
)
from quizzes.core.http import HtmxHttpRequest

REPORT_TEMPLATE = "content/report.html"


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    return render(
        request, "content/article.html", {"article": article, "topics": article.topics.all()}
    )


def _report_response(request: HtmxHttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = f"{REPORT_TEMPLATE}#report_box" if request.htmx else REPORT_TEMPLATE
    response = render(request, template, context, status=status)
    if status == 429:
        response["Retry-After"] = "3600"
    return response


@require_POST
def report_create(request: HtmxHttpRequest) -> HttpResponse:
    """A learner reports a problem with a card: 400 bad input, 404 no such published card, 409
    already reported, 429 too many reports this hour; each with a one-line message."""
    form = CardReportForm(request.POST)
    context = {
        "report_form": form,
        "card_id": request.POST.get("card", "")[:20],
        "place": request.POST.get("place", ""),
        "sent": False,
    }
    if not form.is_valid():
        return _report_response(request, context, status=400)
    data = form.cleaned_data
    context["place"] = data["place"]
    try:
        context["report"] = card_report(
            learner=request.user,
            card_id=data["card"],
            reason=data["reason"],
            note=data["note"],
            place=data["place"],
            now=timezone.now(),
        )
    except CardNotReportable as error:
        raise Http404(str(error)) from error
    except ReportRefused as error:
        statuses = {AlreadyReported: 409, TooManyReports: 429}
        context["report_error"] = str(error)
        return _report_response(request, context, status=statuses.get(type(error), 400))
    context["sent"] = True
    return _report_response(request, context)


@require_GET
def my_reports(request: HtmxHttpRequest) -> HttpResponse:
    """The learner's reports, newest first, with the instructors' replies (new ones marked)."""
    reports = list(CardReport.objects.of_learner(request.user))
    new_replies = {report.pk for report in reports if report.has_unread_reply}
    if new_replies:
        learner_replies_seen(learner=request.user, now=timezone.now())
    return render(
        request, "content/my_reports.html", {"reports": reports, "new_replies": new_replies}
    )


@require_GET
def report_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One of the learner's reports; another learner's report is a 404 like a missing one."""
    report = get_object_or_404(CardReport.objects.of_learner(request.user), pk=pk)
    new_reply = report.has_unread_reply
    if new_reply:
        learner_replies_seen(learner=request.user, now=timezone.now(), report_id=report.pk)
    return render(request, "content/report_detail.html", {"report": report, "new_reply": new_reply})


@require_GET
def unread_replies(request: HtmxHttpRequest) -> HttpResponse:
    """The nav's "new reply" badge, loaded by htmx after the page (no query on every page)."""
    count = CardReport.objects.of_learner(request.user).unread_replies().count()
    return render(request, "content/_unread_replies.html", {"count": count})
