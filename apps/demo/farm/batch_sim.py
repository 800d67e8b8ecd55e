"""One batch's true life, day by day, and what the farm recorded of it (no Django).

Conventions match the engine (docs/engine.md §1): a slot's day d ends with growth and deaths of d; fish moved on
d leave their source at the start of d, weighing what they weighed at the end of d-1, and arrive alive at
the destination minus a few that die in handling; a slot's last day is ``end - 1``. Every death is
recorded, so placed fish = alive + recorded deaths + transfer deaths + harvested.

Truth in the ``model`` world: weight grows by W' = (W^(1/3) + tgc/1000 * T)^3 with the container's true
temperature and the batch's true TGC per stage (growth.true_tgc); the stage advances the day the weight
reaches its band's maximum; deaths are Poisson around 0.02-0.06 %/day (doubled for eggs) with rare spikes.
In the ``realistic`` world (world.py) growth, deaths, samples and transfer weighings depart from that law;
the plan, the moves and every record's shape stay the same.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict

from apps.batch.sampling import casts_aggregate

from . import measure, world
from .growth import tgc_day
from .layout import (
    EGG_STAGE,
    FCR_BY_STAGE,
    FEED_BY_STAGE,
    LAST_STAGE,
    SEA,
    SEA_STAGES,
    STAGE_MAX_G,
    stage_for_weight,
)
from .presets import Preset
from .temperature import TemperatureSeries
from .types import (
    BatchPlan,
    BatchTruth,
    CastRec,
    ContainerKey,
    FarmRecords,
    FeedingRec,
    MortalityRec,
    Move,
    SampleRec,
    TransferRec,
    TreatmentRec,
)

ONE_DAY = dt.timedelta(days=1)
TRUE_FCR_SPREAD = (0.92, 1.08)
BASE_MORTALITY = (0.0002, 0.0006)  # per day
SLOT_MORTALITY_SPREAD = (0.7, 1.4)
SPIKE_CHANCE, SPIKE_RATE = 0.003, (0.003, 0.015)
TRANSFER_DEATH_RATE = (0.0002, 0.002)
FEED_NOISE_SD = 0.08
VACCINATION_AFTER_DAYS = (10, 30)
VACCINATION_WEIGHED_FISH = (100, 300)
HANDLING_DAYS = 3  # deaths right after a move are put down to handling


class BatchSimulation:
    """Runs one batch from its start to its last day (at most ``today``), appending to ``records``."""

    def __init__(
        self,
        plan: BatchPlan,
        records: FarmRecords,
        temps: dict[ContainerKey, TemperatureSeries],
        *,
        preset: Preset,
        seed: int,
        world_name: str = world.WORLD_MODEL,
    ):
        self.plan, self.records, self.temps, self.preset = plan, records, temps, preset
        self.seed = seed
        self.realistic = world_name == world.WORLD_REALISTIC
        self.bio = world.biology_draw(seed=seed, index=plan.index) if self.realistic else None
        self.lives: dict[int, world.SlotLife] = {}
        self.slots = records.plan.slots
        rng = self.rng = random.Random(f"{seed}/truth/{plan.index}")
        self.fcr = {o: fcr * rng.uniform(*TRUE_FCR_SPREAD) for o, fcr in FCR_BY_STAGE.items()}
        self.base_mortality = rng.uniform(*BASE_MORTALITY)
        self.pop: dict[int, int] = {}
        self.weight: dict[int, float] = {}
        self.stage: dict[int, int] = {}
        self.mortality_factor: dict[int, float] = {}
        self.next_sample: dict[int, dt.date] = {}
        self.vaccination: dict[int, dt.date] = {}
        self.harvested = 0

    def run(self, today: dt.date) -> BatchTruth:
        mine = [self.slots[i] for i in self.plan.slots]
        last = _last_day(mine, today)
        moves: dict[dt.date, list[Move]] = defaultdict(list)
        for move in self.plan.moves:
            moves[move.date].append(move)
        day = self.plan.start
        while day <= last:
            self._begin_day(day, mine, moves.get(day, ()))
            for index in list(self.pop):
                self._live_day(index, day)
            day += ONE_DAY
        return BatchTruth(
            index=self.plan.index,
            completed=all(s.end is not None for s in mine),
            placed=sum(s.placement_count or 0 for s in mine),
            harvested=self.harvested,
            days=(last - self.plan.start).days + 1,
            tgc_by_stage=dict(self.plan.tgc_per_1000),
        )

    def _begin_day(self, day: dt.date, mine, moves) -> None:
        for slot in mine:
            if slot.placement_count and slot.start == day:
                self._activate(slot.index, slot.placement_count, slot.placement_weight_g)
        for move in moves:
            self._move(move, day)
        for slot in mine:
            if slot.end == day and slot.index in self.pop:
                self.harvested += self.pop.pop(slot.index)

    def _move(self, move: Move, day: dt.date) -> None:
        arriving: dict[int, list] = defaultdict(lambda: [0, 0.0])
        by_source: dict[int, list] = defaultdict(list)
        for link in move.links:
            by_source[link.source].append(link)
        for source, links in by_source.items():
            available, weight_g = self.pop[source], self.weight[source]
            remaining = available
            for n, link in enumerate(links):
                last_of_full_move = not move.partial and n == len(links) - 1
                out = remaining if last_of_full_move else min(remaining, round(link.share * available))
                remaining -= out
                if out == 0:
                    continue
                moved = self._transfer(source, link.dest, day, out, weight_g)
                arriving[link.dest][0] += moved
                arriving[link.dest][1] += moved * weight_g
            self.pop[source] = remaining
            if self.realistic and move.partial:
                self.lives[source].handled(self.rng, day, world.MOVE_LOSS)  # crowded and netted too
        for dest, (count, weight_sum) in arriving.items():
            self._activate(dest, count, weight_sum / count)
            if self.realistic:
                to_sea = self.slots[dest].pool == SEA and self.slots[move.links[0].source].pool != SEA
                self.lives[dest].handled(self.rng, day, world.SEA_TRANSFER_LOSS if to_sea else world.MOVE_LOSS)

    def _transfer(self, source: int, dest: int, day: dt.date, out: int, weight_g: float) -> int:
        died = min(out - 1, round(out * self.rng.uniform(*TRANSFER_DEATH_RATE)))
        weighing = measure.transfer_weighing_realistic if self.realistic else measure.transfer_weighing
        measured_g, method = weighing(self.rng, weight_g)
        self.records.transfers.append(TransferRec(source, dest, day, out - died, died, measured_g, method))
        return out - died

    def _activate(self, index: int, count: int, weight_g: float) -> None:
        slot, rng = self.slots[index], self.rng
        self.pop[index], self.weight[index] = count, weight_g
        self.stage[index] = slot.stage_order = stage_for_weight(weight_g)
        self.mortality_factor[index] = rng.uniform(*SLOT_MORTALITY_SPREAD)
        self.next_sample[index] = slot.start + dt.timedelta(days=self._sample_interval(slot.pool))
        if slot.pool == "smolt":
            self.vaccination[index] = slot.start + dt.timedelta(days=rng.randint(*VACCINATION_AFTER_DAYS))
        if self.realistic:
            self._live_in_realistic_world(index, slot)

    def _live_in_realistic_world(self, index: int, slot) -> None:
        """The water decides the stage (fresh water below the sea stages, sea at or above them), and the
        container's own events are drawn: disease, delousing, the vaccination's fasting and appetite loss."""
        at_sea = slot.pool == SEA
        stage = self.stage[index]
        stage = max(stage, min(SEA_STAGES)) if at_sea else min(stage, min(SEA_STAGES) - 1)
        self.stage[index] = slot.stage_order = stage
        factor = world.sea_site_factor(seed=self.seed, site=slot.container[0]) if at_sea else 1.0
        life = self.lives[index] = world.slot_life(self.rng, start=slot.start, at_sea=at_sea, site_factor=factor)
        vaccination = self.vaccination.get(index)
        if vaccination is not None:
            life.fast_before(self.rng, vaccination, world.VACCINATION_FASTING_DAYS)
            life.handled(self.rng, vaccination, world.VACCINATION_LOSS)

    def _sample_interval(self, pool: str) -> int:
        return self.rng.randint(*self.preset.sample_interval_days[pool])

    def _live_day(self, index: int, day: dt.date) -> None:
        slot, stage, population = self.slots[index], self.stage[index], self.pop[index]
        before_g = self.weight[index]
        temp_c = self.temps[slot.container].on(day)
        if self.realistic:
            after_g, self.stage[index], deaths = self._realistic_day(index, day, before_g, stage, temp_c, population)
        else:
            after_g, self.stage[index] = tgc_day(before_g, stage, self.plan.tgc_per_1000, temp_c)
            deaths = self._deaths(index, day, population, stage)
        self.pop[index], self.weight[index] = population - deaths, after_g
        truth = self.records.truth[index]
        truth.weights_g.append(after_g)
        truth.populations.append(population - deaths)
        if stage != EGG_STAGE:
            self._feed(index, day, population * (after_g - before_g) / 1000, stage)
        if day == self.next_sample[index]:
            self._sample(index, day, after_g)
        if day == self.vaccination.get(index):
            self._vaccinate(index, day, after_g)

    def _realistic_day(self, index, day, before_g, stage, temp_c, population) -> tuple[float, int, int]:
        """(weight at the end of the day, stage for tomorrow, deaths) in the realistic world."""
        life = self.lives[index]
        episode = life.episode(day)
        after_g = world.daily_growth(
            self.bio,
            before_g,
            temp_c,
            at_sea=life.at_sea,
            site_factor=life.site_factor,
            appetite=life.appetite(day),
            health=episode[0] if episode else 1.0,
        )
        next_stage = stage + 1
        if after_g >= STAGE_MAX_G[stage] and stage < LAST_STAGE and (life.at_sea or next_stage not in SEA_STAGES):
            stage = next_stage
        delousing = life.delousing.get(day.toordinal())
        if delousing is not None:
            self.records.treatments.append(TreatmentRec(index, day, None, None, "DELICING"))
        cause = "DISEASE" if episode else "HANDLING" if delousing else None
        deaths = self._deaths(
            index, day, population, stage, boost=episode[1] if episode else 1.0, extra=delousing or 0.0, cause=cause
        )
        return after_g, stage, deaths

    def _deaths(
        self,
        index: int,
        day: dt.date,
        population: int,
        stage: int,
        *,
        boost: float = 1.0,
        extra: float = 0.0,
        cause: str | None = None,
    ) -> int:
        rng = self.rng
        rate = self.base_mortality * self.mortality_factor[index] * (2 if stage == EGG_STAGE else 1)
        if boost != 1.0 or extra:
            rate = rate * boost + extra
        if rng.random() < SPIKE_CHANCE:
            rate, cause = rng.uniform(*SPIKE_RATE), rng.choice(("DISEASE", "ENVIRONMENT"))
        deaths = min(population, _poisson(rng, population * rate))
        if deaths:
            cause = cause or self._everyday_cause(index, day)
            self.records.mortality.append(MortalityRec(index, day, deaths, cause))
        return deaths

    def _everyday_cause(self, index: int, day: dt.date) -> str:
        slot = self.slots[index]
        if (day - slot.start).days < HANDLING_DAYS and not slot.placement_count:
            return "HANDLING"
        draw = self.rng.random()
        if slot.pool == SEA and draw < 0.15:
            return "PREDATION"
        return "OTHER" if draw > 0.8 else "UNKNOWN"

    def _feed(self, index: int, day: dt.date, gain_kg: float, stage: int) -> None:
        amount_kg = round(gain_kg * self.fcr[stage] * math.exp(self.rng.gauss(0, FEED_NOISE_SD)), 3)
        if amount_kg >= 0.001:
            self.records.feedings.append(FeedingRec(index, day, amount_kg, FEED_BY_STAGE[stage]))

    def _sample(self, index: int, day: dt.date, true_g: float) -> None:
        """A sampling day: its casts as the operators record them, and the day's growth sample their
        aggregate by the project's one rule (``casts_aggregate``: fish added, fish-weighted mean, pooled
        spread)."""
        rng = self.rng
        casts = []
        if self.realistic:  # casts of 20-40 fish, the day's crowding sometimes towards the bigger ones
            fish = rng.randint(*world.SAMPLE_FISH)
            seen_g = true_g * world.sampling_bias(rng, self.bio)
            casts.append(self._cast(rng, seen_g, true_g, fish))
            # the day's further casts are drawn aside, so that the farm's other records keep their draws
            aside = random.Random(f"{self.seed}/casts/{index}/{day.toordinal()}")
            for _ in range(aside.randint(*world.FURTHER_CASTS)):
                casts.append(self._cast(aside, seen_g, true_g, aside.randint(*world.SAMPLE_FISH)))
        for _ in range(0 if self.realistic else rng.randint(*self.preset.casts_per_sample)):
            casts.append(self._cast(rng, true_g, true_g, rng.randint(20, 100)))
        day_sample = casts_aggregate(casts)
        avg_g, spread_g = float(day_sample.avg_weight_g), float(day_sample.std_dev_weight_g)
        self.records.samples.append(
            SampleRec(index, day, day_sample.sample_size, avg_g, spread_g, measure.length_cm(avg_g), tuple(casts))
        )
        self.next_sample[index] = day + dt.timedelta(days=self._sample_interval(self.slots[index].pool))

    @staticmethod
    def _cast(rng: random.Random, seen_g: float, true_g: float, fish: int) -> CastRec:
        return CastRec(fish, measure.weighed_average_g(rng, seen_g, fish), measure.weight_spread_g(rng, true_g))

    def _vaccinate(self, index: int, day: dt.date, true_g: float) -> None:
        fish = self.rng.randint(*VACCINATION_WEIGHED_FISH)
        avg_g = measure.weighed_average_g(self.rng, true_g, fish)
        self.records.treatments.append(TreatmentRec(index, day, fish, avg_g))


def _last_day(slots, today: dt.date) -> dt.date:
    """Today, or the day before the last fish left when every slot has ended."""
    if any(s.end is None for s in slots):
        return today
    return min(today, max(s.end for s in slots) - ONE_DAY)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
