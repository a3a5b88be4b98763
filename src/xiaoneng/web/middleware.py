from django.conf import settings

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
