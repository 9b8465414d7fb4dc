"""The roadmap in Django's admin: for looking things up and fixing a row by hand. Pages and the
API are where the roadmap is edited (through the services, with activity and versions), so most
rows are read-only here and nothing is added."""

from django.contrib import admin

from .models import (
    ChecklistEntry,
    Dependency,
    Insight,
    KeyResult,
    Objective,
    Release,
    Risk,
    RoadmapItem,
    RoadmapSnapshot,
    ShareLink,
    Team,
    Vision,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows; changes go through the app, which checks links and logs them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "capacity_points"]
    list_select_related = ["product"]
    search_fields = ["name"]


@admin.register(Vision)
class VisionAdmin(ReadOnlyAdmin):
    list_display = ["product", "updated_at"]
    list_select_related = ["product"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "current", "target", "unit"]
    readonly_fields = fields


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyAdmin):
    list_display = ["title", "product", "position"]
    list_select_related = ["product"]
    search_fields = ["title"]
    inlines = [KeyResultInline]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "product", "status", "lane", "start_date", "end_date", "team"]
    list_filter = ["status", "lane"]
    list_select_related = ["product", "team"]
    search_fields = ["title", "feature_key"]


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    list_display = ["blocker", "blocked", "product"]
    list_select_related = ["blocker", "blocked", "product"]


class ChecklistEntryInline(admin.TabularInline):
    model = ChecklistEntry
    extra = 0
    fields = ["kind", "owner", "done", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "date", "status", "shipped_at"]
    list_filter = ["status"]
    list_select_related = ["product"]
    inlines = [ChecklistEntryInline]


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    list_display = ["title", "product", "likelihood", "impact", "status"]
    list_filter = ["status"]
    list_select_related = ["product"]


@admin.register(Insight)
class InsightAdmin(ReadOnlyAdmin):
    list_display = ["account", "product", "source", "importance", "captured_on"]
    list_filter = ["source", "importance"]
    list_select_related = ["product"]
    search_fields = ["account", "quote"]


@admin.register(RoadmapSnapshot)
class RoadmapSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "created_at"]
    list_select_related = ["product"]
    exclude = ["items"]  # hundreds of rows of JSON; the compare page reads them


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "view", "display_prefix", "expires_at", "revoked_at"]
    list_select_related = ["product"]
    exclude = ["token_hash"]
