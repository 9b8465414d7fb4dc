from django.apps import AppConfig


class PrdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "prds"
    verbose_name = "PRDs"
