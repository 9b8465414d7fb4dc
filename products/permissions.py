"""The one permission layer: role checks by product, used by pages and the API alike.

A user who is not a member of a product learns nothing about it (404); a member whose role
is too low for an action is refused (403). API tokens narrow this further: a read-scoped
token cannot write, and a product-limited token sees no other product.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404

from .models import ApiToken, Membership, Product, Role


def product_for(user, product_id, minimum_role: Role, *, token: ApiToken | None = None) -> Product:
    """The product ``product_id`` with ``.role`` set to the user's role in it.

    Raises Http404 for anyone who is not a member (or whose token is limited to another
    product) and PermissionDenied when the role is below ``minimum_role``. One query.
    """
    if not user.is_authenticated:
        raise Http404("No such product.")
    try:
        product_pk = int(product_id)
    except (TypeError, ValueError):
        raise Http404("No such product.") from None
    if token is not None and token.product_id is not None and token.product_id != product_pk:
        raise Http404("No such product.")
    membership = (
        Membership.objects.select_related("product")
        .filter(product_id=product_pk, user=user)
        .first()
    )
    if membership is None:
        raise Http404("No such product.")
    role = membership.role_enum
    if not role.includes(minimum_role):
        raise PermissionDenied(
            f"This needs the {Role(minimum_role).label.lower()} role; you are {role.label.lower()}."
        )
    product = membership.product
    product.role = role
    return product


def products_visible_to(user, *, token: ApiToken | None = None):
    """The products a user (and their token, if limited) may see, with ``role`` annotated."""
    if not user.is_authenticated:
        return Product.objects.none()
    role = Membership.objects.filter(product=OuterRef("pk"), user=user).values("role")[:1]
    products = Product.objects.filter(memberships__user=user).annotate(role=Subquery(role))
    if token is not None and token.product_id is not None:
        products = products.filter(pk=token.product_id)
    return products
