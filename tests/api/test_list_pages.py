"""Every API list is paginated with a capped page size (issue 21: at national scale no list may answer its
whole table): the default page holds at most 100 rows, ``page_size`` is refused above 1000, naming the
parameter, and a page of 1000 is accepted."""

import pytest

from apps.api.urls import ROUTES
from tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", [prefix for prefix, viewset in ROUTES if viewset.queryset is not None])
def test_every_list_pages_and_caps_its_page_size(client_as, salmon, prefix):
    client = client_as("viewer")
    url = f"/api/v1/{prefix}/"
    body = client.get(url).json()
    assert set(body) == {"count", "next", "previous", "results"} and len(body["results"]) <= 100
    refused = client.get(url, {"page_size": 1001})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "page_size"
    assert refused.json()["errors"][0]["code"] == "max_value"
    assert client.get(url, {"page_size": 1000}).status_code == 200


def test_the_default_page_is_100_rows_of_a_longer_list(client_as, salmon):
    BatchFactory.create_batch(101)
    body = client_as("viewer").get("/api/v1/batch/batches/").json()
    assert body["count"] == 101 and len(body["results"]) == 100 and body["next"].endswith("page=2")
