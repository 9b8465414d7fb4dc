"""Content-Security-Policy for every response.

Django 5.2 has no built-in CSP, and the policy is one header, so a few lines of middleware
serve better than another dependency. Pages load only our own scripts and styles: no inline
script, no inline style, no eval (htmx is configured for this in templates/base.html).
"""

from django.utils.decorators import decorator_from_middleware_with_args

DEFAULT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # PRDs may show diagrams hosted elsewhere (Markdown images are https only; see
    # lodestar/markdown.py); data: serves our own icons.
    "img-src": "'self' data: https:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def build_policy(**overrides: str) -> str:
    directives = {**DEFAULT_POLICY, **{k.replace("_", "-"): v for k, v in overrides.items()}}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


HEADER_VALUE = build_policy()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", HEADER_VALUE)
        return response


class _PolicyOverride:
    """Sets a view-specific policy; the middleware above leaves an existing header alone."""

    def __init__(self, get_response=None, **overrides: str):
        self.get_response = get_response
        self.value = build_policy(**overrides)

    def process_response(self, request, response):
        response.headers["Content-Security-Policy"] = self.value
        return response


csp_override = decorator_from_middleware_with_args(_PolicyOverride)
