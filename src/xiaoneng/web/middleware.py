from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Scripts only from our own static files (no inline script, no CDN). Inline style attributes are
# allowed because ECharts and htmx set them on elements they create.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "XIAONENG_CSP", POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs page (Swagger UI) brings its own policy needs; leave responses that set one.
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body over ``XIAONENG_MAX_REQUEST_BYTES`` from its ``Content-Length``,
    before anything reads it: Django's own limits apply only once a multipart upload has been
    streamed to disk. A body without a length (chunked) is refused too: Django would read it
    as empty. The API answers in its error shape, pages with a Chinese 413/411 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.XIAONENG_MAX_REQUEST_BYTES
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads a malformed length as no body at all
        if chunked and not request.META.get("CONTENT_LENGTH"):
            return _refuse(
                request,
                411,
                "length_required",
                _("请求缺少长度"),
                _("请求须带 Content-Length 请求头（不接受分块传输的请求体）。"),
            )
        if length > limit:
            return _refuse(
                request,
                413,
                "too_large",
                _("提交的内容过大"),
                _("请求内容超过 %(mb)s MB 的上限，请减少或压缩附件后重新提交。")
                % {"mb": f"{limit / 2**20:g}"},
            )
        return self.get_response(request)


def _refuse(request, status: int, code: str, title: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": code, "message": message, "field": None},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    context = {"status": status, "title": title, "message": message}
    return render(request, "errors/refused.html", context, status=status)
