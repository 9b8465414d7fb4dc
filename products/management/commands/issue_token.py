from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from products.activity import Actor
from products.models import Product, TokenScope
from products.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--product", type=int, help="Limit the token to this product id.")

    def handle(self, *args, username, name, scope, product, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        limited_to = None
        if product is not None:
            limited_to = Product.objects.filter(pk=product).first()
            if limited_to is None:
                raise CommandError(f"No product with id {product}.")
        try:
            _, secret = api_token_create(
                by=Actor.task("manage.py issue_token", user=user),
                name=name,
                scope=TokenScope(scope),
                product=limited_to,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(secret)
