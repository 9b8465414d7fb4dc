"""Settings for ``make bench``: the application's own settings with DEBUG off, as served in
production, plus the bench's urlconf (which adds the bare baseline view).

The database is whatever ``DATABASE_URL`` says (the SQLite file by default), exactly as the
application would use it.
"""

import warnings

from lodestar.settings import *  # noqa: F403
from lodestar.settings import INSTALLED_APPS, LOGGING, REST_FRAMEWORK

DEBUG = False
ROOT_URLCONF = "bench.urls"
# Requests are WSGI calls inside this process, addressed to "testserver" over plain HTTP.
ALLOWED_HOSTS = ["testserver"]
SECURE_SSL_REDIRECT = False
# Production renders API responses as JSON only (the browsable renderer is a DEBUG extra), and
# has no N+1 detector installed.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["lodestar.renderers.JSONRenderer"],
}
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "zeal"]
# Static URLs without a collectstatic manifest: the bench measures views, not static files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collected STATIC_ROOT either; the bench reports pages that do not answer 200 itself.
warnings.filterwarnings("ignore", message="No directory at")
LOGGING = {
    **LOGGING,
    "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}},
}
