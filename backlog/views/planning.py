"""Placeholder while the pages are being written."""

from django.http import Http404


def item_forecast(request, **kwargs):
    raise Http404


def sprint_board(request, **kwargs):
    raise Http404


def sprint_create_view(request, **kwargs):
    raise Http404


def sprint_detail(request, **kwargs):
    raise Http404


def sprint_edit(request, **kwargs):
    raise Http404


def sprint_close_view(request, **kwargs):
    raise Http404


def sprint_delete_view(request, **kwargs):
    raise Http404


def sprint_plan_item(request, **kwargs):
    raise Http404


def velocity(request, **kwargs):
    raise Http404


def roadmap_item_forecast(request, **kwargs):
    raise Http404
