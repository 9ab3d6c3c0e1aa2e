"""Certificates: the learner's printable certificate with its QR code, and the public page that
tells anyone holding a code whether it is valid (no login, rate-limited per client address)."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from quizzes.core.http import HtmxHttpRequest, get_own_or_404
from quizzes.training.forms import VerifyForm, normalise_code
from quizzes.training.models import Certificate, Completion
from quizzes.training.services.certificates import certificate_issue
from quizzes.training.throttle import client_address, over_limit

# Checking a certificate takes one request; an employer checking a stack of printed certificates
# one by one stays far below 30 in 10 minutes, while a script walking through codes is slowed to
# 3 a minute (the codes carry 80 random bits, so guessing is hopeless anyway: the limit protects
# the server and keeps the list of certificate holders from being harvested).
VERIFY_WINDOW_SECONDS = 600
TOO_MANY_MESSAGE = (
    "Too many certificate checks from your network in the last 10 minutes. Please wait a few "
    "minutes and try again."
)


def verification_url(request: HttpRequest, certificate: Certificate) -> str:
    """The public address of the certificate's verification page (BONELEARN_SITE_URL if set)."""
    path = certificate.get_absolute_url()
    if settings.BONELEARN_SITE_URL:
        return settings.BONELEARN_SITE_URL + path
    return request.build_absolute_uri(path)


def _own_certificate(request: HtmxHttpRequest, slug: str) -> Certificate:
    completion = get_own_or_404(
        Completion.objects.select_related("module", "user"), user=request.user, module__slug=slug
    )
    # Completions from before certificates existed get theirs on first view.
    return certificate_issue(completion=completion, now=timezone.now())


@require_GET
def certificate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    found = _own_certificate(request, slug)
    context = {
        "certificate": found,
        "module": found.completion.module,
        "verify_url": verification_url(request, found),
    }
    return render(request, "training/certificate.html", context)


@require_GET
@cache_control(private=True, max_age=3600)
def certificate_qr(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The QR code of the verification address, as an SVG file (no inline data: strict CSP)."""
    found = _own_certificate(request, slug)
    code = segno.make(verification_url(request, found), error="m")
    svg = io.BytesIO()
    # A standalone file (with its namespace, unlike svg_inline) so an <img> can show it.
    code.save(svg, kind="svg", scale=4, border=2, dark="#000", light="#fff", title="Verify")
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


def _throttled(request: HttpRequest) -> HttpResponse | None:
    if over_limit(
        scope="verify",
        client=client_address(request),
        limit=settings.BONELEARN_VERIFY_LIMIT,
        window_seconds=VERIFY_WINDOW_SECONDS,
    ):
        response = render(
            request, "training/verify.html", {"too_many": TOO_MANY_MESSAGE}, status=429
        )
        response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
        return response
    return None


@login_not_required
@require_GET
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type a certificate's code; sends to its verification page."""
    form = VerifyForm(request.GET or None)
    if form.is_bound:
        refused = _throttled(request)
        if refused is not None:
            return refused
        if form.is_valid():
            return redirect("training:verify", code=normalise_code(form.cleaned_data["code"]))
    return render(
        request, "training/verify.html", {"form": form}, status=400 if form.errors else 200
    )


@login_not_required
@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Valid or revoked, with name, module, date and score; nothing else. Unknown codes 404."""
    refused = _throttled(request)
    if refused is not None:
        return refused
    normalised = normalise_code(code)
    if not normalised:
        raise Http404("No certificate has this code.")
    if normalised != code:
        return redirect("training:verify", code=normalised)
    found = Certificate.objects.filter(code=normalised).first()
    if found is None:
        raise Http404("No certificate has this code.")
    return render(
        request,
        "training/verify.html",
        {"certificate": found, "lookup": reverse("training:verify_lookup")},
    )
