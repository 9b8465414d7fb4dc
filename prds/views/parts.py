"""Placeholder views (built by the pages work)."""

from django.http import HttpResponse


def py(request, **kwargs):
    return HttpResponse(status=501)


def criterion_create_view(request, **kwargs):
    return HttpResponse(status=501)


def criterion_edit(request, **kwargs):
    return HttpResponse(status=501)


def criterion_status(request, **kwargs):
    return HttpResponse(status=501)


def criterion_move_view(request, **kwargs):
    return HttpResponse(status=501)


def criterion_delete_view(request, **kwargs):
    return HttpResponse(status=501)


def contract_create_view(request, **kwargs):
    return HttpResponse(status=501)


def contract_detail(request, **kwargs):
    return HttpResponse(status=501)


def contract_edit(request, **kwargs):
    return HttpResponse(status=501)


def contract_compare(request, **kwargs):
    return HttpResponse(status=501)


def contract_delete_view(request, **kwargs):
    return HttpResponse(status=501)


def expectation_create_view(request, **kwargs):
    return HttpResponse(status=501)


def expectation_edit(request, **kwargs):
    return HttpResponse(status=501)


def expectation_delete_view(request, **kwargs):
    return HttpResponse(status=501)


def decision_create_view(request, **kwargs):
    return HttpResponse(status=501)


def decision_edit(request, **kwargs):
    return HttpResponse(status=501)


def decision_delete_view(request, **kwargs):
    return HttpResponse(status=501)
