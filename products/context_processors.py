from django.utils.functional import SimpleLazyObject

from .permissions import products_visible_to


def navigation(request):
    """The signed-in user's products for the sidebar's product switcher (one query, on use)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_products": SimpleLazyObject(lambda: list(products_visible_to(user).only("id", "name")))
    }
