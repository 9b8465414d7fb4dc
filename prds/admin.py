"""PRDs in Django's admin: for looking rows up. PRDs are written through the app (revisions,
rendered HTML, activity), so the admin only reads."""

from django.contrib import admin

from roadmaps.admin import ReadOnlyAdmin

from .models import (
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    Comment,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    PrdTemplate,
    Review,
)


@admin.register(Prd)
class PrdAdmin(ReadOnlyAdmin):
    list_display = ("title", "product", "status", "owner", "updated_at")
    list_filter = ("status",)
    search_fields = ("title",)


@admin.register(PrdRevision)
class PrdRevisionAdmin(ReadOnlyAdmin):
    list_display = ("prd", "number", "author", "summary", "created_at")


for model in (
    PrdTemplate,
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    PerformanceExpectation,
    Decision,
    Review,
    Comment,
):
    admin.site.register(model, ReadOnlyAdmin)
