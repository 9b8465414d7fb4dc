from django.http import Http404


def _not_built_yet(request, **kwargs):
    raise Http404("This page is being built.")


snapshot_list = snapshot_compare_view = share_link_list = shared_roadmap = _not_built_yet
