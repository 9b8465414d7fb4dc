from django.contrib import admin

from .models import Activity, ApiToken, Membership, Product


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "updated_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "product", "last_used_at", "expires_at", "revoked_at"]
    list_select_related = ["user", "product"]
    readonly_fields = ["display_prefix", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        # Secrets are generated and shown once by the tokens page or `manage.py issue_token`.
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "product", "actor_name", "channel", "verb", "target_repr"]
    list_filter = ["channel"]
    list_select_related = ["product"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
