import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lodestar.settings")

application = get_wsgi_application()

# A roadmap page allocates hundreds of thousands of short-lived objects; with CPython's default
# thresholds the collector runs every 700 allocations and now and then walks everything Django
# loaded at start, which is what made the slowest requests several times slower than the
# median (`make bench`). Objects loaded at start live for the whole process, so they are moved
# out of the collector's sight, and young collections run less often. Cycles are still
# collected; memory grows by a few megabytes at most.
gc.freeze()
gc.set_threshold(50_000, 10, 10)
