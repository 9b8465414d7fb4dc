import factory
from django.contrib.auth import get_user_model

from products.models import ApiToken, Membership, Product, Role, TokenScope


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save(update_fields=["password"])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    description = "Route planning for regional carriers."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token whose secret is available as ``token.secret`` (only its hash is stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    scope = TokenScope.WRITE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = ApiToken.generate_secret()
        kwargs.update(key_hash=ApiToken.hash_secret(secret), display_prefix=secret[:12])
        token = super()._create(model_class, *args, **kwargs)
        token.secret = secret
        return token
