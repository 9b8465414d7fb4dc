from django.http import Http404


def _not_built_yet(request, **kwargs):
    raise Http404("This page is being built.")


vision = release_list = release_detail = risk_list = insight_list = team_list = _not_built_yet
