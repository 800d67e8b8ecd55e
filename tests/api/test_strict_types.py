"""Issue 9, case 7: JSON types are kept. Integers refuse floats and booleans, numbers refuse booleans, strings
refuse numbers, ids refuse floats, text is bounded; nothing is saved when a type is wrong."""

import pytest

from apps.batch.models import Batch, GrowthSample
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Site
from apps.inventory.models import Feed, FeedingEvent
from tests.api.conftest import errors_by_field
from tests.factories import temperature_parameter

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def sample(farm, **changes) -> dict:
    return {
        "assignment": farm.source.pk,
        "sample_date": "2024-01-14",
        "sample_size": 30,
        "avg_weight_g": "125.00",
        **changes,
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"sample_size": 30.5}, "sample_size"),
        ({"sample_size": 30.0}, "sample_size"),
        ({"sample_size": "1.5"}, "sample_size"),
        ({"sample_size": True}, "sample_size"),
        ({"avg_weight_g": True}, "avg_weight_g"),
        ({"std_dev_weight_g": False}, "std_dev_weight_g"),
        ({"assignment": 1.5}, "assignment"),
        ({"assignment": True}, "assignment"),
        ({"assignment": "1"}, "assignment"),
        ({"notes": 0}, "notes"),
        ({"notes": ["a list"]}, "notes"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused(operator, farm, changes, field):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, **changes))
    assert response.status_code == 400
    assert errors_by_field(response) == {field: "incorrect_type"}
    assert not GrowthSample.objects.exists()


def test_a_float_feed_id_does_not_become_feed_1(operator, farm):
    Feed.objects.create(name="Pellet 1 mm")
    body = {"assignment": farm.source.pk, "feed": 1.5, "feeding_date": "2024-01-05", "amount_kg": "10.000"}
    response = operator.post(f"{V1}/inventory/feeding-events/", body)
    assert errors_by_field(response) == {"feed": "incorrect_type"}
    assert not FeedingEvent.objects.exists()


def test_a_float_container_id_does_not_become_container_1(manager, farm):
    response = manager.post(f"{V1}/infrastructure/containers/", {"site": 1.5, "name": "Tank 9", "kind": "TANK"})
    assert errors_by_field(response) == {"site": "incorrect_type"}
    reading = {
        "container": farm.source.container_id + 0.5,
        "parameter": temperature_parameter().pk,
        "reading_time": "2024-01-05T08:00:00Z",
        "value": 8.0,
    }
    assert errors_by_field(manager.post(f"{V1}/environmental/readings/", reading)) == {"container": "incorrect_type"}
    assert not EnvironmentalReading.objects.exists()


def test_a_boolean_reading_value_is_not_one_degree(operator, farm):
    body = {
        "container": farm.source.container_id,
        "parameter": temperature_parameter().pk,
        "reading_time": "2024-01-05T08:00:00Z",
        "value": True,
    }
    assert errors_by_field(operator.post(f"{V1}/environmental/readings/", body)) == {"value": "incorrect_type"}
    assert not EnvironmentalReading.objects.exists()


def test_a_number_is_not_a_name(manager, farm):
    sites = Site.objects.count()
    assert errors_by_field(manager.post(f"{V1}/infrastructure/sites/", {"name": 0, "kind": "SEA"})) == {
        "name": "incorrect_type"
    }
    assert Site.objects.count() == sites


def test_a_boolean_field_takes_only_true_or_false(operator, farm):
    body = {
        "assignment": farm.source.pk,
        "treatment_date": "2024-01-05",
        "treatment_type": "DELICING",
        "includes_weighing": 1,
    }
    response = operator.post(f"{V1}/health/treatments/", body)
    assert errors_by_field(response) == {"includes_weighing": "incorrect_type"}
    assert not Treatment.objects.exists()


def test_notes_longer_than_10000_characters_are_refused(manager, farm):
    response = manager.patch(f"{V1}/batch/batches/{farm.batch.pk}/", {"notes": "x" * 10_001})
    assert errors_by_field(response) == {"notes": "max_length"}
    assert manager.patch(f"{V1}/batch/batches/{farm.batch.pk}/", {"notes": "x" * 10_000}).status_code == 200
    assert len(Batch.objects.get(pk=farm.batch.pk).notes) == 10_000


def test_the_schema_states_the_text_limit(viewer):
    schema = viewer.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["schemas"]["PatchedBatchRequest"]["properties"]["notes"]["maxLength"] == 10_000


def test_a_decimal_beyond_its_digits_is_a_400_not_a_500(manager, farm):
    body = {"site": farm.source.container.site_id, "name": "Tank 9", "kind": "TANK", "volume_m3": 4.6e307}
    assert errors_by_field(manager.post(f"{V1}/infrastructure/containers/", body)) == {"volume_m3": "max_whole_digits"}


def test_a_decimal_is_rounded_half_up_to_its_places_after_the_bounds_are_checked(operator, farm):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, avg_weight_g=125.455))
    assert response.status_code == 201 and response.json()["avg_weight_g"] == 125.46
    assert errors_by_field(operator.post(f"{V1}/batch/growth-samples/", sample(farm, avg_weight_g="50000.004"))) == {
        "avg_weight_g": "max_value"
    }


def test_decimals_are_numbers_with_their_bounds_in_the_schema_both_ways(viewer):
    schema = viewer.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"]["schemas"]
    assert schema["GrowthSampleRequest"]["properties"]["avg_weight_g"] == {
        "type": "number",
        "format": "double",
        "minimum": 0.01,
        "maximum": 50000.0,
        "description": "Average weight in g: 0.01 to 50,000.",
    }
    assert (
        schema["GrowthSample"]["properties"]["avg_weight_g"]
        == schema["GrowthSampleRequest"]["properties"]["avg_weight_g"]
    )
