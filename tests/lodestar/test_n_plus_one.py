"""The suite's N+1 guard is live: a view that queries once per row fails its request."""

import pytest
from django.http import HttpResponse
from django.urls import path
from zeal import NPlusOneError

from products.models import Membership
from tests.factories import MembershipFactory


def members_one_by_one(request):
    names = [m.user.username for m in Membership.objects.all()]  # a query per membership
    return HttpResponse(", ".join(names))


def members_joined(request):
    names = [m.user.username for m in Membership.objects.select_related("user")]
    return HttpResponse(", ".join(names))


urlpatterns = [
    path("n-plus-one/", members_one_by_one),
    path("joined/", members_joined),
]


@pytest.mark.urls(__name__)
def test_a_view_with_an_n_plus_one_fails(db, client):
    MembershipFactory.create_batch(3)
    with pytest.raises(NPlusOneError):
        client.get("/n-plus-one/")


@pytest.mark.urls(__name__)
def test_the_same_view_with_select_related_passes(db, client):
    MembershipFactory.create_batch(3)
    assert client.get("/joined/").status_code == 200
