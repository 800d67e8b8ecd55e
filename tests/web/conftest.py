import pytest


@pytest.fixture
def user_client(client, django_user_model):
    """A client logged in as a user with no role: it may read every page and the API, and write nothing."""
    client.force_login(django_user_model.objects.create_user("viewer", password="pw-long-enough"))
    return client
