"""Restartability (docs/engine.md §8): a run restarted on an anchor day from the stored, rounded row of the day
before writes, from that day on, exactly the rows of a run from the assignment's first day."""

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.batch.engine import Anchor, AssignmentInputs, ModelParams, Stage, StartState, compute_assignment

BATCH_START = dt.date(2023, 1, 1)
KINDS = (("growth_sample", 1.0), ("transfer", 0.95), ("vaccination", 0.9))

temps_c = st.floats(-3.0, 18.0, allow_nan=False)
counts = st.integers(0, 5_000)


def sparse(draw, offsets, values, p_max=0.6):
    """A dict over some of ``offsets`` (a random share of them) with drawn values."""
    share = draw(st.floats(0.0, p_max))
    size = int(len(offsets) * share) + 1
    chosen = draw(st.lists(st.sampled_from(list(offsets)), max_size=size, unique=True))
    return {o: draw(values) for o in chosen}


@st.composite
def model_params(draw, start_weight_g):
    # four stages with tight bands just above the start weight, so runs cross several of them
    top = start_weight_g * draw(st.floats(0.9, 1.3))
    stages = {}
    for stage_id in (1, 2, 3):
        bottom, top = top, top * draw(st.floats(1.02, 1.3))
        stages[stage_id] = Stage(stage_id, stage_id, bottom, top, stage_id + 1)
    stages[4] = Stage(4, 4, top, 1e9, None)
    profile_days = sorted(draw(st.sets(st.integers(1, 200), min_size=1, max_size=3)))
    return ModelParams(
        tgc=draw(st.floats(1.0, 4.0)),
        tgc_by_stage=draw(st.dictionaries(st.sampled_from([1, 2, 3, 4]), st.floats(0.5, 5.0))),
        mortality_daily=draw(st.floats(0.0, 0.01)),
        mortality_daily_by_stage=draw(st.dictionaries(st.sampled_from([1, 2, 3, 4]), st.floats(0.0, 0.05))),
        fcr_by_stage={},
        profile=tuple((d, draw(temps_c)) for d in profile_days),
        stages=stages,
    )


@st.composite
def assignments(draw, restartable=False):
    """(inputs, params); ``restartable`` guarantees an anchor after the first day."""
    n_days = draw(st.integers(2, 80))
    first = BATCH_START + dt.timedelta(days=draw(st.integers(0, 40)))
    start_weight_g = draw(st.floats(2.0, 300.0))
    params = draw(model_params(start_weight_g))
    days = range(n_days)
    anchor_at = sparse(draw, days, st.tuples(st.floats(0.5, 3.0), st.sampled_from(KINDS)), p_max=0.3)
    if restartable:
        extra = draw(st.integers(1, n_days - 1))
        anchor_at[extra] = (draw(st.floats(0.5, 3.0)), draw(st.sampled_from(KINDS)))

    def dated(offsets_to_values):
        return {first + dt.timedelta(days=o): v for o, v in offsets_to_values.items()}

    inputs = AssignmentInputs(
        assignment_id=1,
        batch_start_date=BATCH_START,
        first_day=first,
        last_day=first + dt.timedelta(days=n_days - 1),
        start=StartState(
            start_weight_g,
            (population := draw(st.integers(0, 20_000))),
            population * start_weight_g / 1000,
            draw(st.sampled_from([1, 2, 3, 4])),
        ),
        anchors=dated(
            {
                o: Anchor(weight_g=start_weight_g * factor, kind=kind, confidence=conf)
                for o, (factor, (kind, conf)) in anchor_at.items()
            }
        ),
        mortality=dated(sparse(draw, days, st.integers(0, 400))),
        feed_kg=dated(sparse(draw, days, st.floats(0.5, 400.0), p_max=1.0)),
        transfers_in=dated(sparse(draw, days, counts, p_max=0.1)),
        transfers_out=dated(sparse(draw, days, counts, p_max=0.1)),
        daily_temps_c=dated(sparse(draw, range(-10, n_days + 10), temps_c, p_max=1.0)),
    )
    return inputs, params


def stored(row) -> StartState:
    """What the service reads back from a saved row: rounded weight and biomass, integer population."""
    return StartState(round(row.avg_weight_g, 2), row.population, round(row.biomass_kg, 2), row.stage_id)


def exact(rows):
    """Rows as text, so floats compare bit for bit (repr round-trips every float)."""
    return [repr(dataclasses.astuple(r)) for r in rows]


@settings(max_examples=200, deadline=None)
@given(case=assignments(restartable=True), data=st.data())
def test_a_restart_on_any_anchor_day_writes_exactly_the_rows_of_a_full_run(case, data):
    inputs, params = case
    full = compute_assignment(inputs, params)
    anchor_days = sorted(d for d in inputs.anchors if d > inputs.first_day)
    restart_day = data.draw(st.sampled_from(anchor_days))
    i = (restart_day - inputs.first_day).days
    restarted = compute_assignment(
        dataclasses.replace(inputs, first_day=restart_day, start=stored(full[i - 1])), params
    )
    assert restarted == full[i:]
    assert exact(restarted) == exact(full[i:])


@settings(max_examples=200, deadline=None)
@given(case=assignments())
def test_every_anchor_day_is_exact_and_every_segment_stays_between_its_two_ends(case):
    inputs, params = case
    rows = compute_assignment(inputs, params)
    previous_g = inputs.start.weight_g
    segment: list[float] = []
    for row in rows:
        anchor = inputs.anchors.get(row.date)
        if anchor is None:
            segment.append(row.avg_weight_g)
            continue
        assert row.avg_weight_g == anchor.weight_g
        low, high = sorted((previous_g, anchor.weight_g))
        tolerance = 1e-9 * high
        assert all(low - tolerance <= w <= high + tolerance for w in segment)
        previous_g, segment = anchor.weight_g, []


@settings(max_examples=100, deadline=None)
@given(case=assignments())
def test_populations_never_go_below_zero_and_stages_only_move_forward(case):
    inputs, params = case
    rows = compute_assignment(inputs, params)
    assert all(r.population >= 0 for r in rows)
    stages = [inputs.start.stage_id] + [r.stage_id for r in rows]
    for before, after in zip(stages, stages[1:]):
        assert after == before or after == params.stages[before].next_stage_id
