"""Placeholder while the pages are being written."""

from django.http import Http404


def backlog_list(request, **kwargs):
    raise Http404


def item_create_view(request, **kwargs):
    raise Http404


def score_order_view(request, **kwargs):
    raise Http404


def score_order_undo_view(request, **kwargs):
    raise Http404


def item_detail(request, **kwargs):
    raise Http404


def item_edit(request, **kwargs):
    raise Http404


def item_field(request, **kwargs):
    raise Http404


def item_rerank_view(request, **kwargs):
    raise Http404


def item_delete_view(request, **kwargs):
    raise Http404


def dependency_add(request, **kwargs):
    raise Http404


def dependency_delete_view(request, **kwargs):
    raise Http404
