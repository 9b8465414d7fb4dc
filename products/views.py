from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lodestar.concurrency import VersionConflict
from lodestar.forms import add_service_errors, conflict_rows, save_merging, saved_message
from lodestar.views import no_store, show_once, shown_once, with_toast

from .activity import Actor
from .forms import (
    ApiTokenForm,
    ConfirmVersionForm,
    MemberAddForm,
    MemberRoleForm,
    ProductForm,
    ProductSettingsForm,
)
from .models import Activity, ApiToken, Membership, Role
from .permissions import membership_for, product_for, products_visible_to
from .services import (
    api_token_create,
    api_token_revoke,
    membership_add,
    membership_change_role,
    membership_remove,
    product_create,
    product_delete,
    product_update,
)


@require_GET
def home(request):
    return redirect("products:list" if request.user.is_authenticated else "login")


@login_required
@require_GET
def product_list(request):
    products = products_visible_to(request.user).order_by("name", "id")
    return render(request, "products/product_list.html", {"products": products})


@login_required
@require_http_methods(["GET", "POST"])
def product_create_view(request):
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        product = product_create(
            by=Actor.web(request),
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, f"Created {product.name}. You are its admin.")
        return redirect(product)
    return render(
        request, "products/product_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def product_detail(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    members = Membership.objects.for_member_list(product)
    recent = Activity.objects.for_product(product)[:8]
    return render(
        request,
        "products/product_detail.html",
        {"product": product, "members": members, "recent_activity": recent},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_settings(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    conflict = None
    if request.method == "POST":
        # Unbound from the instance: a ModelForm would copy the submitted values onto it while
        # validating, and the versioned update must see the row as it was read.
        form = ProductSettingsForm(request.POST)
    else:
        form = ProductSettingsForm(
            instance=product, initial=ProductSettingsForm.initial_for(product)
        )
    if request.method == "POST" and form.is_valid():
        values = form.submitted()
        try:
            diff, merged = save_merging(
                lambda row, **kw: product_update(product=row, by=Actor.web(request), **kw),
                product,
                expected_version=form.cleaned_data["version"],
                values=values,
                originals=form.originals(),
            )
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "The product was deleted meanwhile; nothing was saved.")
                return redirect("products:list")
            conflict = conflict_rows(form, values, error.current, error.clashes)
            form = ProductSettingsForm.rebased(values, error.current)
        else:
            messages.success(request, saved_message(diff, merged))
            return redirect("products:settings", product_id=product.pk)
    return render(
        request,
        "products/product_settings.html",
        {"product": product, "form": form, "conflict": conflict},
        status=409 if conflict else (400 if form.errors else 200),
    )


@login_required
@require_POST
def product_delete_view(request, product_id):
    product = product_for(request.user, product_id, Role.ADMIN)
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The delete request was incomplete; nothing was deleted.")
        return redirect("products:settings", product_id=product.pk)
    try:
        product_delete(
            product=product, by=Actor.web(request), expected_version=form.cleaned_data["version"]
        )
    except VersionConflict:
        messages.error(
            request,
            "Someone changed this product while you were looking at it; nothing was deleted. "
            "Check the settings below and try again.",
        )
        return redirect("products:settings", product_id=product.pk)
    messages.success(request, f"Deleted {product.name} and everything in it.")
    return redirect("products:list")


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, product_id):
    minimum = Role.ADMIN if request.method == "POST" else Role.VIEWER
    product = product_for(request.user, product_id, minimum)
    is_admin = product.role.can_admin
    add_form = MemberAddForm(request.POST or None) if is_admin else None
    if request.method == "POST" and add_form.is_valid():
        try:
            membership = membership_add(
                product=product,
                by=Actor.web(request),
                identifier=add_form.cleaned_data["user"],
                role=Role(add_form.cleaned_data["role"]),
            )
        except ValidationError as error:
            add_service_errors(add_form, error)
        else:
            messages.success(
                request,
                f"Added {membership.user.get_full_name() or membership.user.username} "
                f"as {membership.get_role_display().lower()}.",
            )
            return redirect("products:members", product_id=product.pk)
    members = Membership.objects.for_member_list(product)
    return render(
        request,
        "products/members.html",
        {
            "product": product,
            "members": members,
            "add_form": add_form,
            "is_admin": is_admin,
            "role_choices": Role.choices,
        },
        status=400 if add_form is not None and add_form.errors else 200,
    )


@login_required
@require_POST
def member_role(request, product_id, membership_id):
    membership = membership_for(request.user, product_id, membership_id, Role.ADMIN)
    form = MemberRoleForm(request.POST)
    row_error = None
    if not form.is_valid():
        row_error = "The change could not be read; reload the page and try again."
    else:
        try:
            membership_change_role(
                membership=membership,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                role=Role(form.cleaned_data["role"]),
            )
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "That member was removed by someone else.")
                return redirect("products:members", product_id=product_id)
            membership.role, membership.version = error.current.role, error.current.version
            row_error = (
                f"Someone else changed this role to {membership.get_role_display().lower()} "
                "a moment ago; nothing was saved."
            )
        except ValidationError as error:
            membership.refresh_from_db(fields=["role", "version"])
            row_error = " ".join(error.messages)
    if (
        row_error is None
        and membership.user_id == request.user.pk
        and membership.role != Role.ADMIN
    ):
        # Admins who step down lose the controls on this page: show it anew, not a stale row.
        messages.success(request, f"You are now {membership.role}; admins manage members.")
        url = reverse("products:members", args=[product_id])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    outcome = row_error or f"{membership} is now {membership.get_role_display().lower()}."
    if request.htmx:
        response = render(
            request,
            "products/members.html#member-row",
            {
                "member": membership,
                "product": membership.product,
                "is_admin": True,
                "role_choices": Role.choices,
                "row_error": row_error,
                "row_saved": row_error is None,
            },
        )
        return with_toast(response, outcome, error=bool(row_error))
    messages.add_message(request, messages.ERROR if row_error else messages.SUCCESS, outcome)
    return redirect("products:members", product_id=product_id)


@login_required
@require_POST
def member_remove(request, product_id, membership_id):
    membership = membership_for(request.user, product_id, membership_id, Role.ADMIN)
    form = ConfirmVersionForm(request.POST)
    name = membership.user.get_full_name() or membership.user.username
    if not form.is_valid():
        messages.error(request, "The remove request was incomplete; nothing was changed.")
        return redirect("products:members", product_id=product_id)
    try:
        membership_remove(
            membership=membership,
            by=Actor.web(request),
            expected_version=form.cleaned_data["version"],
        )
    except VersionConflict:
        messages.error(request, f"{name}'s membership changed meanwhile; nothing was removed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed {name} from {membership.product.name}.")
    return redirect("products:members", product_id=product_id)


@login_required
@require_GET
def activity_list(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    page = Paginator(Activity.objects.for_product(product), 50).get_page(request.GET.get("page"))
    return render(request, "products/activity.html", {"product": product, "page": page})


# The new secret is shown once, on the page the create request redirects to (see show_once).
NEW_TOKEN_SESSION_KEY = "new_api_token"  # noqa: S105 - a session key, not a secret


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    products = products_visible_to(request.user).order_by("name")
    form = ApiTokenForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(
                by=Actor.web(request),
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                product=form.cleaned_data["product"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            show_once(request, NEW_TOKEN_SESSION_KEY, token, secret)
            return redirect("products:tokens")
    tokens = list(ApiToken.objects.filter(user=request.user).select_related("product"))
    created_token, created_secret = shown_once(request, NEW_TOKEN_SESSION_KEY, tokens)
    response = render(
        request,
        "products/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "created_token": created_token,
            "created_secret": created_secret,
        },
        status=400 if form.errors else 200,
    )
    return no_store(response, when=created_token is not None)


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(
        ApiToken.objects.select_related("product"), pk=token_id, user=request.user
    )
    if api_token_revoke(token=token, by=Actor.web(request)):
        messages.success(request, f"Revoked “{token.name}”. Clients using it now get 401.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("products:tokens")
