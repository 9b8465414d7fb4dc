from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data: ``manage.py seed_demo`` (it uses every app, so it lives in none of them)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
