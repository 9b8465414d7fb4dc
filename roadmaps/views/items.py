from django.http import Http404


def _not_built_yet(request, **kwargs):
    raise Http404("This page is being built.")


timeline = board = item_list = item_create_view = item_detail = _not_built_yet
