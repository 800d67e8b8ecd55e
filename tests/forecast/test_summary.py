"""The forecast summary, read from hand-built projections with known crossings: the exact weekly sums, and the
flags PLANNED / NEEDS_PLANNING / PROJECTED."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.forecast.engine.summary import NEEDS_PLANNING, PLANNED, PROJECTED, crossing_flag, iso_week, weekly_totals
from apps.forecast.models import Projection
from apps.infrastructure.models import Site
from apps.planning.models import PlannedActivity
from apps.planning.summary import forecast_summary_for_batch, forecast_summary_for_farm
from apps.web.reads.coming_up import farm_coming_up
from tests.factories import AssignmentFactory, BatchFactory, ContainerFactory, SiteFactory

TODAY = dt.date(2026, 12, 2)  # a Wednesday of ISO week 2026-W49, which starts on Monday 30 November
HARVEST_G = (4000.0, 5000.0, 6250.0)  # P90 / P10 = 1.5625 = 1.25²: the biomass band is P50 × 0.8 … × 1.25
SMOLT_G = (120.0, 150.0, 187.5)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def projection(assignment, *, harvest=None, sea=None, population=1000, rate=0.0, rel_sd=0.0):
    """A stored projection as of TODAY: harvest (and, given ``sea``, sea transfer) on those dates, the P10/P50/P90
    weights of those days HARVEST_G (SMOLT_G), ``population`` fish dying at ``rate`` a day."""
    return Projection.objects.create(
        batch_id=assignment.batch_id,
        assignment=assignment,
        as_of_date=TODAY,
        first_date=days(1),
        days=400,
        start_population=population,
        mortality_daily_rate=rate,
        mortality_rel_sd=rel_sd,
        mortality_source="recent",
        target_weight_g=5000.0,
        harvest_date=harvest,
        harvest_date_p10=harvest and harvest - dt.timedelta(days=9),
        harvest_date_p90=harvest and harvest + dt.timedelta(days=11),
        **dict(
            zip(
                ("harvest_weight_p10_g", "harvest_weight_p50_g", "harvest_weight_p90_g"),
                HARVEST_G if harvest else (None,) * 3,
            )
        ),
        sea_transfer_target_g=150.0 if sea else None,
        sea_transfer_date=sea,
        sea_transfer_date_p10=sea and sea - dt.timedelta(days=4),
        sea_transfer_date_p90=sea and sea + dt.timedelta(days=5),
        **dict(
            zip(
                ("sea_transfer_weight_p10_g", "sea_transfer_weight_p50_g", "sea_transfer_weight_p90_g"),
                SMOLT_G if sea else (None,) * 3,
            )
        ),
        computed_at=timezone.now(),
    )


def activity(assignment, kind, status=PlannedActivity.Status.PLANNED):
    return PlannedActivity.objects.create(
        activity_type=kind,
        batch_id=assignment.batch_id,
        assignment=assignment,
        due_date=days(1),
        status=status,
        completed_date=TODAY if status == PlannedActivity.Status.COMPLETED else None,
    )


@pytest.fixture
def farm(salmon):
    """Five assignments at sea (site ``sea``) and one in fresh water (site ``fresh``), with known crossings."""
    sea, fresh = SiteFactory(kind=Site.Kind.SEA), SiteFactory(kind=Site.Kind.FRESHWATER)

    def placed(site):
        return AssignmentFactory(container=ContainerFactory(site=site))

    a, b, c, d, far = (placed(sea) for _ in range(5))
    smolts = placed(fresh)
    projection(a, harvest=days(1), population=1000)  # Thursday, this week
    projection(b, harvest=days(4), population=2000)  # Sunday, this week
    projection(c, harvest=days(5), population=500)  # Monday, next week
    projection(d, harvest=days(-3), population=100)  # Sunday of last week: overdue
    projection(far, harvest=days(200))  # beyond 26 weeks
    projection(smolts, harvest=None, sea=days(8), population=3000)  # next week's Thursday; no harvest in the horizon
    activity(b, PlannedActivity.Type.HARVEST)
    activity(a, PlannedActivity.Type.HARVEST, PlannedActivity.Status.CANCELLED)  # not open: covers nothing
    activity(c, PlannedActivity.Type.TRANSFER)  # another kind: does not cover the harvest
    activity(smolts, PlannedActivity.Type.TRANSFER, PlannedActivity.Status.COMPLETED)
    return {"sea": sea, "fresh": fresh, "a": a, "b": b, "c": c, "d": d, "far": far, "smolts": smolts}


def bucket(assignments, needs, population, biomass):
    return {
        "assignments": assignments,
        "needs_planning": needs,
        "population": dict(zip(("p10", "p50", "p90"), population)),
        "biomass_kg": dict(zip(("p10", "p50", "p90"), biomass)),
    }


NONE = bucket(0, 0, (0, 0, 0), (0.0, 0.0, 0.0))


@pytest.mark.django_db
def test_the_farm_sums_the_crossings_of_each_iso_week_quantile_by_quantile(farm):
    body = forecast_summary_for_farm(today=TODAY)
    weeks = body["weeks"]
    assert len(weeks) == 26 and (weeks[0]["week"], weeks[0]["start_date"]) == ("2026-W49", dt.date(2026, 11, 30))
    assert weeks[-1]["week"] == "2027-W21"
    # a and b: 1,000 + 2,000 fish at 5,000 g (4,000 / 6,250 g) — 15,000 kg, its band 0.8× and 1.25×; b is planned
    assert weeks[0]["harvest"] == bucket(2, 1, (3000, 3000, 3000), (12000.0, 15000.0, 18750.0))
    assert weeks[0]["sea_transfer"] == NONE
    assert weeks[1]["harvest"] == bucket(1, 1, (500, 500, 500), (2000.0, 2500.0, 3125.0))
    # 3,000 smolts at 150 g: 450 kg (360 … 562.5)
    assert weeks[1]["sea_transfer"] == bucket(1, 1, (3000, 3000, 3000), (360.0, 450.0, 562.5))
    assert all(w["harvest"] == w["sea_transfer"] == NONE for w in weeks[2:])  # far's harvest lies beyond week 26
    assert body["overdue"]["harvest"] == bucket(1, 1, (100, 100, 100), (400.0, 500.0, 625.0))


@pytest.mark.django_db
def test_the_farm_summary_of_one_site_counts_only_its_containers(farm):
    body = forecast_summary_for_farm(today=TODAY, site_id=farm["fresh"].pk)
    assert body["site_id"] == farm["fresh"].pk
    assert [w["week"] for w in body["weeks"] if w["harvest"] != NONE or w["sea_transfer"] != NONE] == ["2026-W50"]
    assert body["overdue"]["harvest"] == NONE


@pytest.mark.django_db
def test_each_crossing_is_flagged_planned_needs_planning_or_projected(farm):
    flags = {}
    for key in ("a", "b", "c", "d", "far", "smolts"):
        [one] = forecast_summary_for_batch(batch_id=farm[key].batch_id, today=TODAY)["assignments"]
        flags[key] = (one["flag"], one["harvest"]["flag"], one["sea_transfer"] and one["sea_transfer"]["flag"])
    assert flags == {
        "a": (NEEDS_PLANNING, NEEDS_PLANNING, None),  # its harvest activity was cancelled
        "b": (PLANNED, PLANNED, None),
        "c": (NEEDS_PLANNING, NEEDS_PLANNING, None),  # a planned transfer does not cover a harvest
        "d": (NEEDS_PLANNING, NEEDS_PLANNING, None),  # overdue
        "far": (PROJECTED, PROJECTED, None),  # 200 days ahead
        "smolts": (NEEDS_PLANNING, PROJECTED, NEEDS_PLANNING),  # its transfer activity is completed; no harvest date
    }


@pytest.mark.django_db
def test_the_batch_summary_gives_each_crossing_with_its_range_weight_fish_and_biomass(salmon):
    batch = BatchFactory()
    site = SiteFactory(kind=Site.Kind.FRESHWATER)
    tank = AssignmentFactory(batch=batch, container=ContainerFactory(site=site, name="Smolt tank S01"))
    projection(tank, harvest=days(300), sea=days(10), population=10_000, rate=0.001, rel_sd=0.5)
    activity(tank, PlannedActivity.Type.TRANSFER, PlannedActivity.Status.IN_PROGRESS)
    [one] = forecast_summary_for_batch(batch_id=batch.pk, today=TODAY)["assignments"]
    assert (one["container_name"], one["site_id"], one["as_of_date"], one["flag"]) == (
        "Smolt tank S01",
        site.pk,
        TODAY,
        PLANNED,
    )
    sea = one["sea_transfer"]
    assert (sea["date"], sea["date_p10"], sea["date_p90"], sea["target_weight_g"]) == (
        days(10),
        days(6),
        days(15),
        150.0,
    )
    assert sea["weight_g"] == {"p10": 120.0, "p50": 150.0, "p90": 187.5}
    # 10 days at 0.1 %/day: 9,900.4 fish; the band's rates are 0.1 % × (1 ± 1.2816 × 0.5)
    z = 1.2815515655446004
    fish = {q: 10_000 * (1 - 0.001 * f) ** 10 for q, f in (("p10", 1 + z * 0.5), ("p50", 1.0), ("p90", 1 - z * 0.5))}
    assert sea["population"] == {q: round(n) for q, n in fish.items()} == {"p10": 9837, "p50": 9900, "p90": 9964}
    assert sea["biomass_kg"]["p50"] == round(fish["p50"] * 0.150, 1)
    # the fish's band widens the weight's (0.8 … 1.25 of P50)
    assert (
        sea["biomass_kg"]["p10"] < 0.8 * sea["biomass_kg"]["p50"]
        and sea["biomass_kg"]["p90"] > 1.25 * sea["biomass_kg"]["p50"]
    )
    assert (one["harvest"]["date"], one["harvest"]["flag"]) == (days(300), PROJECTED)


def test_a_crossing_needs_planning_up_to_the_last_day_of_the_window():
    assert crossing_flag(days(90), planned=False, today=TODAY, planning_days=90) == NEEDS_PLANNING
    assert crossing_flag(days(91), planned=False, today=TODAY, planning_days=90) == PROJECTED
    assert crossing_flag(days(-30), planned=False, today=TODAY, planning_days=90) == NEEDS_PLANNING
    assert crossing_flag(days(91), planned=True, today=TODAY, planning_days=90) == PLANNED
    assert crossing_flag(None, planned=False, today=TODAY, planning_days=90) == PROJECTED
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"


@pytest.mark.django_db
def test_the_admin_shows_the_flags_and_the_farms_summary_by_week(salmon, admin_client):
    from django.urls import reverse

    today = timezone.localdate()
    tank = AssignmentFactory()
    row = projection(tank, harvest=today + dt.timedelta(days=1), sea=today + dt.timedelta(days=200), population=1000)
    Projection.objects.filter(pk=row.pk).update(as_of_date=today)
    changelist = admin_client.get(reverse("admin:forecast_projection_changelist")).content.decode()
    assert "NEEDS_PLANNING" in changelist and "PROJECTED" in changelist
    page = admin_client.get(reverse("admin:forecast_projection_summary"), {"site": tank.container.site_id})
    body = page.content.decode()
    assert page.status_code == 200 and iso_week(today) in body
    assert "1,000" in body and "5.0 (4.0–6.2)" in body  # 1,000 fish at 5 kg: 5 t, its band 4 … 6.25 t


crossing_bodies = st.builds(
    lambda offset, fish, kg, needs: {
        "date": days(offset),
        "flag": NEEDS_PLANNING if needs else PROJECTED,
        "population": {"p10": fish[0], "p50": fish[0] + fish[1], "p90": fish[0] + fish[1] + fish[2]},
        "biomass_kg": {"p10": kg[0] / 10, "p50": (kg[0] + kg[1]) / 10, "p90": (kg[0] + kg[1] + kg[2]) / 10},
    },
    st.integers(-30, 400),
    st.tuples(*[st.integers(0, 10**6)] * 3),
    st.tuples(*[st.integers(0, 10**8)] * 3),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(
    crossings=st.lists(st.tuples(st.sampled_from(["harvest", "sea_transfer"]), crossing_bodies), max_size=30),
    weeks=st.integers(1, 60),
)
def test_every_crossing_counts_once_in_the_week_of_its_p50_date(crossings, weeks):
    body = weekly_totals(crossings, today=TODAY, weeks=weeks)
    monday = dt.date(2026, 11, 30)
    for kind in ("harvest", "sea_transfer"):
        buckets = [(w["start_date"], w["start_date"] + dt.timedelta(days=6), w[kind]) for w in body["weeks"]]
        buckets.append((dt.date.min, monday - dt.timedelta(days=1), body["overdue"][kind]))
        for first, last, got in buckets:
            inside = [c for k, c in crossings if k == kind and first <= c["date"] <= last]
            assert got["assignments"] == len(inside)
            assert got["needs_planning"] == sum(c["flag"] == NEEDS_PLANNING for c in inside)
            for q in ("p10", "p50", "p90"):
                assert got["population"][q] == sum(c["population"][q] for c in inside)
                assert got["biomass_kg"][q] == round(sum(c["biomass_kg"][q] for c in inside), 1)


@pytest.mark.django_db
def test_a_staff_user_without_a_role_may_not_see_the_admins_summary(client, django_user_model):
    from django.urls import reverse

    client.force_login(django_user_model.objects.create_user("staff", password="pw-long-enough", is_staff=True))
    assert client.get(reverse("admin:forecast_projection_summary")).status_code == 403


@pytest.mark.django_db
def test_coming_up_gives_the_farms_first_weeks_with_their_batches_and_what_needs_planning(
    farm, django_assert_num_queries
):
    overdue = activity(farm["far"], PlannedActivity.Type.SAMPLING)
    PlannedActivity.objects.filter(pk=overdue.pk).update(due_date=days(-1))  # open and due yesterday
    with django_assert_num_queries(4):
        body = farm_coming_up(today=TODAY, weeks=4)
    farm_weeks = forecast_summary_for_farm(today=TODAY)["weeks"][:4]
    batches = [{kind: week[kind].pop("batches") for kind in ("harvest", "sea_transfer")} for week in body["weeks"]]
    assert body["weeks"] == farm_weeks  # the farm summary's figures, week by week
    number = {key: (farm[key].batch_id, farm[key].batch.batch_number) for key in farm if key not in ("sea", "fresh")}
    assert batches[0]["harvest"] == sorted([number["a"], number["b"]], key=lambda b: b[1])
    assert batches[1] == {"harvest": [number["c"]], "sea_transfer": [number["smolts"]]}
    assert body["overdue"]["harvest"]["batches"] == [number["d"]]
    assert all(b == {"harvest": [], "sea_transfer": []} for b in batches[2:])
    # a, c, d's harvests and the smolts' transfer: within the 90 days (or past) and not covered; far's is 200 days away
    assert body["needs_planning"] == 4 and body["overdue_activities"] == 1


@pytest.mark.django_db
def test_coming_up_counts_what_needs_planning_beyond_the_weeks_it_shows(salmon):
    projection(AssignmentFactory(), harvest=days(60))  # week 9: not shown in 4 weeks, but needs planning
    body = farm_coming_up(today=TODAY, weeks=4)
    assert all(w["harvest"]["assignments"] == 0 for w in body["weeks"]) and body["needs_planning"] == 1
    assert body["later"] == {"harvest": days(60), "sea_transfer": None}  # the overview says when it comes


@pytest.mark.django_db
def test_coming_up_follows_the_overviews_search_as_its_tables_do(farm, django_assert_num_queries):
    """The overview's search (site, container, batch or stage name; every word) narrows Coming up too: the weeks, what
    needs planning, the overdue activities and the next crossings after the weeks (issue 21: it filtered the tables
    only)."""
    overdue = activity(farm["far"], PlannedActivity.Type.SAMPLING)
    PlannedActivity.objects.filter(pk=overdue.pk).update(due_date=days(-1))
    c, far = farm["c"], farm["far"]
    with django_assert_num_queries(4):  # the search costs no query of its own
        only_c = farm_coming_up(today=TODAY, weeks=4, search=f"  {c.batch.batch_number.lower()}  ")
    assert [w["harvest"]["batches"] for w in only_c["weeks"]] == [[], [(c.batch_id, c.batch.batch_number)], [], []]
    assert only_c["overdue"]["harvest"]["assignments"] == 0 and only_c["weeks"][0]["harvest"]["assignments"] == 0
    assert only_c["needs_planning"] == 1 and only_c["overdue_activities"] == 0
    assert only_c["later"] == {"harvest": None, "sea_transfer": None}  # far's harvest is another batch's

    words = f"{far.container.site.name} {far.container.name}"  # two words, both must match
    only_far = farm_coming_up(today=TODAY, weeks=4, search=words)
    assert all(w["harvest"]["assignments"] == 0 for w in only_far["weeks"]) and only_far["needs_planning"] == 0
    assert only_far["overdue_activities"] == 1 and only_far["later"]["harvest"] == days(200)
    nothing = farm_coming_up(today=TODAY, weeks=4, search=f"{far.container.name} {c.batch.batch_number}")
    assert nothing["needs_planning"] == nothing["overdue_activities"] == 0 and nothing["later"]["harvest"] is None
    assert farm_coming_up(today=TODAY, weeks=4, search="") == farm_coming_up(today=TODAY, weeks=4)
