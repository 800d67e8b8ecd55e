"""Every API list is paginated with a capped page size (issue 21: at national scale no list may answer its
whole table): the default page holds at most 100 rows, ``page_size`` is refused above 1000, naming the
parameter, and a page of 1000 is accepted."""

import pytest

from apps.api.urls import ROUTES
from tests.factories import BatchFactory, TemperatureProfileFactory

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


def test_the_profile_list_reads_every_days_in_one_query_and_answers_what_each_profile_answers(client_as, salmon):
    """The list's days come as pairs from one query (issue 21: 12 profiles × 900 days instantiated 10,800 rows);
    its JSON is each profile's own, days in order, and its statements do not grow with the profiles."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("viewer")
    TemperatureProfileFactory(name="A", days={3: 9.25, 1: 6.5, 2: 7.0})
    client.get("/api/v1/scenario/temperature-profiles/")  # the user's groups, read once
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/scenario/temperature-profiles/").status_code == 200
    TemperatureProfileFactory(name="B", days={day: 4.0 + day / 100 for day in range(1, 901)})
    TemperatureProfileFactory(name="C", days={})
    with CaptureQueriesContext(connection) as three:
        body = client.get("/api/v1/scenario/temperature-profiles/").json()
    assert len(three.captured_queries) == len(one.captured_queries)
    assert [p["name"] for p in body["results"]] == ["A", "B", "C"]
    assert body["results"][0]["days"] == [
        {"day_number": 1, "temp_c": 6.5},
        {"day_number": 2, "temp_c": 7.0},
        {"day_number": 3, "temp_c": 9.25},
    ]
    assert body["results"][2]["days"] == []
    for listed in body["results"]:
        assert client.get(f"/api/v1/scenario/temperature-profiles/{listed['id']}/").json() == listed
