"""Error pages: JSON in the one API error shape under /api/, HTML everywhere else."""

from django.views import defaults

from .api import json_error_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return json_error_response(400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        message = str(exception) or "You do not have permission to do this."
        return json_error_response(403, "permission_denied", message)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return json_error_response(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return json_error_response(500, "server_error", "Something went wrong on our side.")
    return defaults.server_error(request)
