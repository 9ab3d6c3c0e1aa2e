from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe and the benchmark's baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: send them to the icon the pages link."""
    return HttpResponsePermanentRedirect(static("quizzes/favicon.svg"))
