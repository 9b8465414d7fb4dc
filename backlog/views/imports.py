"""Placeholder while the pages are being written."""

from django.http import Http404


def export_csv(request, **kwargs):
    raise Http404


def import_upload(request, **kwargs):
    raise Http404


def import_preview(request, **kwargs):
    raise Http404


def import_commit_view(request, **kwargs):
    raise Http404
