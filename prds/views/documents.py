"""Placeholder views (built by the pages work)."""

from django.http import HttpResponse


def py(request, **kwargs):
    return HttpResponse(status=501)


def prd_list(request, **kwargs):
    return HttpResponse(status=501)


def prd_create_view(request, **kwargs):
    return HttpResponse(status=501)


def template_list(request, **kwargs):
    return HttpResponse(status=501)


def template_create_view(request, **kwargs):
    return HttpResponse(status=501)


def template_edit(request, **kwargs):
    return HttpResponse(status=501)


def template_delete_view(request, **kwargs):
    return HttpResponse(status=501)


def prd_read(request, **kwargs):
    return HttpResponse(status=501)


def prd_edit(request, **kwargs):
    return HttpResponse(status=501)


def prd_preview(request, **kwargs):
    return HttpResponse(status=501)


def prd_transition_view(request, **kwargs):
    return HttpResponse(status=501)


def prd_delete_view(request, **kwargs):
    return HttpResponse(status=501)


def prd_history(request, **kwargs):
    return HttpResponse(status=501)


def prd_compare(request, **kwargs):
    return HttpResponse(status=501)


def prd_revision(request, **kwargs):
    return HttpResponse(status=501)


def prd_restore_view(request, **kwargs):
    return HttpResponse(status=501)


def review_request_view(request, **kwargs):
    return HttpResponse(status=501)


def review_submit_view(request, **kwargs):
    return HttpResponse(status=501)


def review_withdraw_view(request, **kwargs):
    return HttpResponse(status=501)


def comment_add(request, **kwargs):
    return HttpResponse(status=501)


def comment_delete_view(request, **kwargs):
    return HttpResponse(status=501)
