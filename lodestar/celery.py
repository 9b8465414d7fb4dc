import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lodestar.settings")

app = Celery("lodestar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work lives here, in code, so that every deployment runs the same schedule.
app.conf.beat_schedule = {
    "revoke-expired-api-tokens": {
        "task": "products.api_tokens_revoke_expired",
        "schedule": 15 * 60,
    },
}
