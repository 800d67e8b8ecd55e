"""Create, read, update and delete round trips with real values."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.batch.models import GrowthSample, MortalityEvent, RecomputeMarker, Species
from apps.infrastructure.models import Container, Site
from apps.scenario.models import TemperatureProfileDay
from tests.api.conftest import day, errors_by_field
from tests.factories import MortalityModelFactory, SiteFactory, TGCModelFactory, stage, temperature_parameter

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_a_site_and_container_go_through_create_read_update_delete(manager):
    site = manager.post(f"{V1}/infrastructure/sites/", {"name": "Vestmanna", "kind": "SEA"})
    assert site.status_code == 201, site.json()
    pen = manager.post(
        f"{V1}/infrastructure/containers/",
        {"site": site.json()["id"], "name": "Pen 1", "kind": "PEN", "volume_m3": 40000},
    )
    assert pen.status_code == 201 and pen.json()["volume_m3"] == 40000
    url = f"{V1}/infrastructure/containers/{pen.json()['id']}/"
    assert manager.patch(url, {"volume_m3": 38000.5}).json()["volume_m3"] == 38000.5
    assert manager.get(url).json() == {
        "id": pen.json()["id"],
        "site": site.json()["id"],
        "name": "Pen 1",
        "kind": "PEN",
        "volume_m3": 38000.5,
    }
    assert manager.delete(url).status_code == 204
    assert not Container.objects.exists() and Site.objects.get().name == "Vestmanna"


def test_deleting_a_site_that_still_has_containers_is_a_409_conflict(manager, farm):
    site = farm.source.container.site
    response = manager.delete(f"{V1}/infrastructure/sites/{site.pk}/")
    assert response.status_code == 409 and errors_by_field(response) == {None: "protected"}
    assert Site.objects.filter(pk=site.pk).exists()


def test_a_growth_sample_round_trip_marks_its_assignment_through_the_signals(operator, farm):
    body = {
        "assignment": farm.source.pk,
        "sample_date": "2024-01-14",
        "sample_size": 30,
        "avg_weight_g": 125.5,
        "std_dev_weight_g": 12.3,
    }
    created = operator.post(f"{V1}/batch/growth-samples/", body)
    assert created.status_code == 201, created.json()
    assert created.json() | body == created.json()  # every value echoed as sent, numbers as numbers
    assert RecomputeMarker.objects.get().dirty_from == day(14)
    url = f"{V1}/batch/growth-samples/{created.json()['id']}/"
    assert operator.put(url, {**body, "sample_date": "2024-01-10", "avg_weight_g": "120.00"}).status_code == 200
    sample = GrowthSample.objects.get()
    assert (sample.sample_date, sample.avg_weight_g) == (day(10), Decimal("120.00"))
    assert RecomputeMarker.objects.get().dirty_from == day(10)  # lowered to the earlier date
    assert operator.delete(url).status_code == 204 and not GrowthSample.objects.exists()


def test_mortality_treatment_feeding_and_reading_are_recorded(operator, farm):
    a = farm.source.pk
    assert (
        operator.post(
            f"{V1}/batch/mortality-events/",
            {"assignment": a, "event_date": "2024-01-05", "count": 42, "cause": "DISEASE"},
        ).status_code
        == 201
    )
    treatment = operator.post(
        f"{V1}/health/treatments/",
        {
            "assignment": a,
            "treatment_date": "2024-01-20",
            "treatment_type": "VACCINATION",
            "includes_weighing": True,
            "weighed_count": 50,
            "weighed_avg_weight_g": 131.2,
        },
    )
    assert treatment.status_code == 201 and treatment.json()["weighed_avg_weight_g"] == 131.2
    feeding = operator.post(
        f"{V1}/inventory/feeding-events/", {"assignment": a, "feeding_date": "2024-01-06", "amount_kg": "12.500"}
    )
    assert feeding.status_code == 201 and feeding.json()["feed"] is None
    assert MortalityEvent.objects.get().count == 42
    assert RecomputeMarker.objects.get(assignment_id=a).dirty_from == day(5)
    body = {
        "container": farm.source.container_id,
        "parameter": temperature_parameter().pk,
        "reading_time": "2024-01-10T06:00:00Z",
        "value": 7.8,
    }
    created = operator.post(f"{V1}/environmental/readings/", body)
    assert created.status_code == 201 and created.json() | body == created.json()
    # a temperature reaches 7 days either side by interpolation: the source is marked from 3 January
    assert RecomputeMarker.objects.get(assignment_id=a).dirty_from == day(3)


def test_a_batch_and_an_assignment_are_created_by_a_manager(manager, salmon):
    container = SiteFactory().containers.create(name="Tank A", kind="TANK")
    batch = manager.post(
        f"{V1}/batch/batches/", {"batch_number": "FO-2025-01", "species": salmon.pk, "start_date": "2025-03-01"}
    )
    assert batch.status_code == 201, batch.json()
    assert batch.json()["status"] == "ACTIVE" and batch.json()["pinned_scenario"] is None
    assignment = manager.post(
        f"{V1}/batch/assignments/",
        {
            "batch": batch.json()["id"],
            "container": container.pk,
            "lifecycle_stage": stage("Fry").pk,
            "assignment_date": "2025-03-01",
            "placement_count": 250000,
            "placement_avg_weight_g": "0.80",
        },
    )
    assert assignment.status_code == 201, assignment.json()
    assert assignment.json()["placement_count"] == 250000 and assignment.json()["departure_date"] is None
    assert RecomputeMarker.objects.get().dirty_from == dt.date(2025, 3, 1)


def test_a_scenario_with_its_models_is_written_with_nested_rows(manager, salmon):
    profile = manager.post(
        f"{V1}/scenario/temperature-profiles/",
        {"name": "Faroe sea", "days": [{"day_number": 1, "temp_c": 7.5}, {"day_number": 180, "temp_c": 10.5}]},
    )
    assert profile.status_code == 201, profile.json()
    assert profile.json()["days"] == [{"day_number": 1, "temp_c": 7.5}, {"day_number": 180, "temp_c": 10.5}]
    tgc = manager.post(
        f"{V1}/scenario/tgc-models/",
        {
            "name": "Sea TGC",
            "tgc_value": 2.6,
            "profile": profile.json()["id"],
            "stage_overrides": [{"lifecycle_stage": stage("Adult").pk, "tgc_value": 3.1}],
        },
    )
    assert tgc.status_code == 201, tgc.json()
    mortality = manager.post(
        f"{V1}/scenario/mortality-models/", {"name": "Low", "frequency": "WEEKLY", "rate_percent": 0.2}
    )
    fcr = manager.post(
        f"{V1}/scenario/fcr-models/",
        {"name": "Standard", "stages": [{"lifecycle_stage": stage("Adult").pk, "fcr_value": 1.15}]},
    )
    assert mortality.status_code == fcr.status_code == 201
    scenario = manager.post(
        f"{V1}/scenario/scenarios/",
        {
            "name": "Plan A",
            "start_date": "2025-01-01",
            "duration_days": 600,
            "initial_count": 100000,
            "initial_weight_g": "150.00",
            "tgc_model": tgc.json()["id"],
            "mortality_model": mortality.json()["id"],
            "fcr_model": fcr.json()["id"],
        },
    )
    assert scenario.status_code == 201, scenario.json()
    assert scenario.json()["batch"] is None and scenario.json()["duration_days"] == 600


def test_replacing_a_used_profiles_days_marks_the_batches_that_use_it(manager, farm):
    profile = farm.scenario.tgc_model.profile
    response = manager.patch(
        f"{V1}/scenario/temperature-profiles/{profile.pk}/",
        {"days": [{"day_number": 1, "temp_c": 6.0}, {"day_number": 200, "temp_c": 11.0}]},
    )
    assert response.status_code == 200, response.json()
    assert list(TemperatureProfileDay.objects.filter(profile=profile).values_list("day_number", "temp_c")) == [
        (1, 6.0),
        (200, 11.0),
    ]
    assert set(RecomputeMarker.objects.values_list("assignment_id", flat=True)) == {farm.source.pk, farm.dest.pk}


def test_changing_a_tgc_override_marks_the_scenarios_batch_once_per_assignment(manager, farm):
    url = f"{V1}/scenario/tgc-models/{farm.scenario.tgc_model_id}/"
    response = manager.patch(url, {"stage_overrides": [{"lifecycle_stage": stage("Smolt").pk, "tgc_value": 2.8}]})
    assert response.status_code == 200 and response.json()["stage_overrides"] == [
        {"lifecycle_stage": stage("Smolt").pk, "tgc_value": 2.8}
    ]
    assert set(RecomputeMarker.objects.values_list("assignment_id", "generation")) == {
        (farm.source.pk, 1),
        (farm.dest.pk, 1),
    }


def test_daily_states_are_read_only(manager, farm):
    assert manager.post(f"{V1}/batch/daily-states/", {}).status_code == 405
    assert manager.get(f"{V1}/batch/daily-states/").json()["count"] == 0


def test_species_and_stages_are_listed_with_their_weight_bands(viewer, salmon):
    stages = viewer.get(f"{V1}/batch/lifecycle-stages/", {"species": salmon.pk}).json()["results"]
    assert [(s["name"], s["expected_weight_min_g"], s["expected_weight_max_g"]) for s in stages][:2] == [
        ("Egg&Alevin", 0.05, 0.5),
        ("Fry", 0.5, 6),
    ]
    assert viewer.get(f"{V1}/batch/species/").json()["results"] == [
        {"id": salmon.pk, "name": "Atlantic salmon", "scientific_name": ""}
    ]
    assert Species.objects.count() == 1


def test_an_unused_tgc_model_and_mortality_model_can_be_deleted(manager, salmon):
    tgc, mortality = TGCModelFactory(), MortalityModelFactory()
    assert manager.delete(f"{V1}/scenario/tgc-models/{tgc.pk}/").status_code == 204
    assert manager.delete(f"{V1}/scenario/mortality-models/{mortality.pk}/").status_code == 204
