"""The application's URLs plus the bench's bare baseline views (never part of the site)."""

from django.urls import path

from lodestar.urls import handler400, handler403, handler404, handler500
from lodestar.urls import urlpatterns as site

from .views import bare_prd, bare_roadmap_items

urlpatterns = [
    path("bench/bare/roadmap-items/", bare_roadmap_items, name="bench-bare-roadmap-items"),
    path("bench/bare/prd/", bare_prd, name="bench-bare-prd"),
    *site,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
