import pytest

from tests.conftest import client_for


@pytest.fixture
def editor_api(team):
    """The team's editor, through a write-scoped API token."""
    return client_for(team.editor, token_scope="write")


@pytest.fixture
def admin_api(team):
    """The team's admin, through a write-scoped API token."""
    return client_for(team.admin, token_scope="write")
