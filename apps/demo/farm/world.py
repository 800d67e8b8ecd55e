"""The realistic world: how the demo farm's true salmon depart from the model the engine and forecast assume
(no Django; docs/demo-data.md "The realistic world").

Two worlds. ``model``: the fish grow by the engine's own law (constant TGC per stage band, W' = (W^(1/3) +
TGC/1000 * T)^3), the control. ``realistic`` (the default): the daily cube-root increment is

    capacity(W, water) / 1000 * T * temperature_response(T) * appetite * health

with a growth capacity (TGC) that falls with weight as W^-b and differs in fresh water and at sea, a
temperature optimum, appetite lost after handling and recovering over weeks, disease episodes; and, outside
growth, persistent temperature anomalies, sensor outages, small and sometimes biased growth samples and
transfer weighings biased differently from the engine's fixed correction. Every parameter is drawn per batch,
per site or per year from the ranges below, so no single constant describes the farm.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

WORLD_REALISTIC = "realistic"
WORLD_MODEL = "model"
WORLDS = (WORLD_REALISTIC, WORLD_MODEL)

# --- growth capacity (TGC per 1000) -------------------------------------------------------------------------
EGG_TGC = (0.40, 0.50)  # yolk-sac eggs and alevins (below 0.5 g, in trays): no feeding, no weight law
FRESH_TGC_AT_60_G = (1.2, 1.5)  # per batch: fresh-water capacity of a 60 g parr/smolt
SEA_TGC_AT_1_KG = (2.9, 3.5)  # per batch: sea capacity of a 1 kg salmon
SEA_SITE_FACTOR = (0.92, 1.08)  # per sea site (its water, its currents), shared by every batch there
WEIGHT_EXPONENT = (0.10, 0.20)  # per batch: capacity ~ W^-b at sea...
FRESH_EXPONENT_SHARE = 0.5  # ...and W^-(b/2) in fresh water
FRESH_REF_G, SEA_REF_G = 60.0, 1000.0
FRY_TOP_G, FRY_REF_G = 6.0, 2.0
FRY_TGC_AT_2_G = (0.85, 1.15)  # per batch: first-feeding fry (0.5-6 g) have a capacity of their own
EGG_TOP_G = 0.5

# --- temperature response: growth per degree-day x f(T) ---------------------------------------------------
OPTIMUM_C = (13.0, 15.0)  # per batch: above it growth per degree-day falls...
HOT_ZERO_C = 22.0  # ...linearly to nothing here
COLD_ZERO_C = (0.8, 1.5)  # per batch: below 6 °C it falls linearly to nothing here
COLD_FULL_C = 6.0

# --- appetite after handling: factor 1 - depth x exp(-days since / tau), one per event ------------------------
SEA_TRANSFER_LOSS = ((0.4, 0.7), (10.0, 28.0))  # (depth, recovery time constant in days)
MOVE_LOSS = ((0.15, 0.35), (5.0, 15.0))  # tank moves and splits, both ends of a split
VACCINATION_LOSS = ((0.25, 0.45), (10.0, 21.0))
VACCINATION_FASTING_DAYS = (2, 4)  # no feed, no growth, on the days before the vaccination
DELOUSING_LOSS = ((0.2, 0.45), (5.0, 14.0))
DELOUSING_FASTING_DAYS = (1, 2)
DELOUSING_FIRST_DAYS, DELOUSING_EVERY_DAYS = (60, 150), (60, 150)  # at sea
DELOUSING_DEATH_RATE = (0.002, 0.01)  # handling losses on the day
HANDLING_MEMORY = 6.0  # an event older than 6 time constants no longer counts (< 0.3 %)

# --- disease episodes ---------------------------------------------------------------------------------------
DISEASE_PER_DAY = {"fresh": 1 / 900, "sea": 1 / 500}  # per container
DISEASE_DAYS = (14, 45)
DISEASE_GROWTH = (0.5, 0.85)  # growth factor during an episode
DISEASE_MORTALITY = (3.0, 10.0)  # x the everyday death rate
LIFE_SPAN_DAYS = 1100  # episodes and treatments are drawn this far ahead of a container's first day

# --- temperature anomalies (°C, per site) -----------------------------------------------------------------
ANOMALY_SD_C = {"sea": 0.9, "fresh": 0.4, "tray": 0.12}  # slow AR(1) around the seasonal curve
ANOMALY_MEMORY_DAYS = (60.0, 120.0)  # per site
YEAR_OFFSET_C = {"sea": 0.7, "fresh": 0.25, "tray": 0.08}  # a warmer or colder year, per site and year
OUTAGE_CHANCE, OUTAGE_DAYS = 1 / 250, (14, 40)  # sensors quiet for weeks, on top of the model world's gaps

# --- measurements -------------------------------------------------------------------------------------------
SAMPLE_FISH = (20, 40)  # fish per cast
FURTHER_CASTS = (1, 3)  # casts after the first on a sampling day: 2-4 casts in all
BIASED_SAMPLING_SHARE = (0.15, 0.40)  # per batch: how often the crowding catches the bigger fish...
BIASED_SAMPLING_FACTOR = (1.03, 1.08)  # ...and by how much
TRANSFER_SELECTION_BIAS = {"AVERAGE": (0.98, 1.06), "LARGEST": (1.04, 1.22), "SMALLEST": (0.82, 0.97)}


@dataclass(frozen=True)
class Biology:
    """One batch's true growth parameters in the realistic world."""

    egg_tgc: float
    fry_tgc: float
    fresh_tgc: float
    sea_tgc: float
    exponent: float
    optimum_c: float
    cold_zero_c: float
    biased_sampling_share: float


def biology_draw(*, seed: int, index: int) -> Biology:
    rng = random.Random(f"{seed}/world/biology/{index}")
    return Biology(
        egg_tgc=rng.uniform(*EGG_TGC),
        fresh_tgc=rng.uniform(*FRESH_TGC_AT_60_G),
        sea_tgc=rng.uniform(*SEA_TGC_AT_1_KG),
        exponent=rng.uniform(*WEIGHT_EXPONENT),
        optimum_c=rng.uniform(*OPTIMUM_C),
        cold_zero_c=rng.uniform(*COLD_ZERO_C),
        biased_sampling_share=rng.uniform(*BIASED_SAMPLING_SHARE),
        fry_tgc=rng.uniform(*FRY_TGC_AT_2_G),
    )


def sea_site_factor(*, seed: int, site: str) -> float:
    return random.Random(f"{seed}/world/site/{site}").uniform(*SEA_SITE_FACTOR)


def capacity_tgc(bio: Biology, weight_g: float, *, at_sea: bool, site_factor: float = 1.0) -> float:
    """The true growth capacity (TGC per 1000) of a fish of ``weight_g``: falls with weight as W^-b at sea and
    W^-(b/2) in fresh water, on a different level in each (and first-feeding fry below 6 g on a level of their
    own); yolk-sac eggs have a flat capacity."""
    if at_sea:
        return bio.sea_tgc * site_factor * (weight_g / SEA_REF_G) ** -bio.exponent
    if weight_g < EGG_TOP_G:
        return bio.egg_tgc
    b = bio.exponent * FRESH_EXPONENT_SHARE
    if weight_g < FRY_TOP_G:
        return bio.fry_tgc * (weight_g / FRY_REF_G) ** -b
    return bio.fresh_tgc * (weight_g / FRESH_REF_G) ** -b


def temperature_response(bio: Biology, temp_c: float) -> float:
    """Growth per degree-day relative to the optimum range: 1 from 6 °C to the optimum, falling linearly to 0
    at 22 °C above it and to 0 at the batch's cold limit (about 1 °C) below 6 °C."""
    if temp_c >= bio.optimum_c:
        return max(0.0, 1.0 - (temp_c - bio.optimum_c) / (HOT_ZERO_C - bio.optimum_c))
    if temp_c >= COLD_FULL_C:
        return 1.0
    return max(0.0, (temp_c - bio.cold_zero_c) / (COLD_FULL_C - bio.cold_zero_c))


def daily_growth(
    bio: Biology, weight_g: float, temp_c: float, *, at_sea: bool, site_factor: float, appetite: float, health: float
) -> float:
    """The end-of-day weight (g) of a fish that started the day at ``weight_g``; no growth at or below 0 °C."""
    if temp_c <= 0.0:
        return weight_g
    tgc = capacity_tgc(bio, weight_g, at_sea=at_sea, site_factor=site_factor)
    step = tgc / 1000.0 * temp_c * temperature_response(bio, temp_c) * appetite * health
    return (weight_g ** (1 / 3) + step) ** 3


@dataclass
class SlotLife:
    """What happens to one container's fish in the realistic world besides the water: handling events,
    fasting days, disease episodes and delousing dates (days as ordinals)."""

    at_sea: bool
    site_factor: float = 1.0
    events: list[tuple[int, float, float]] = field(default_factory=list)  # (day, depth, tau)
    fasting: set[int] = field(default_factory=set)
    disease: list[tuple[int, int, float, float]] = field(default_factory=list)  # (first, last, growth, x deaths)
    delousing: dict[int, float] = field(default_factory=dict)  # day -> handling death rate

    def handled(self, rng: random.Random, day: dt.date, loss) -> None:
        (depth, tau) = loss
        self.events.append((day.toordinal(), rng.uniform(*depth), rng.uniform(*tau)))

    def fast_before(self, rng: random.Random, day: dt.date, days: tuple[int, int]) -> None:
        n = rng.randint(*days)
        self.fasting.update(day.toordinal() - k for k in range(1, n + 1))

    def appetite(self, day: dt.date) -> float:
        today = day.toordinal()
        if today in self.fasting:
            return 0.0
        factor = 1.0
        for when, depth, tau in self.events:
            since = today - when
            if 0 <= since < HANDLING_MEMORY * tau:
                factor *= 1.0 - depth * math.exp(-since / tau)
        return factor

    def episode(self, day: dt.date) -> tuple[float, float] | None:
        """(growth factor, death-rate multiplier) on a day of a disease episode, else None."""
        today = day.toordinal()
        for first, last, growth, deaths in self.disease:
            if first <= today <= last:
                return growth, deaths
        return None


def slot_life(rng: random.Random, *, start: dt.date, at_sea: bool, site_factor: float) -> SlotLife:
    """A container's draws at its first day: disease episodes (Poisson in time) and, at sea, delousings."""
    life = SlotLife(at_sea=at_sea, site_factor=site_factor)
    rate = DISEASE_PER_DAY["sea" if at_sea else "fresh"]
    t = rng.expovariate(rate)
    while t < LIFE_SPAN_DAYS:
        first = start.toordinal() + int(t)
        days = rng.randint(*DISEASE_DAYS)
        life.disease.append((first, first + days - 1, rng.uniform(*DISEASE_GROWTH), rng.uniform(*DISEASE_MORTALITY)))
        t += days + rng.expovariate(rate)
    if at_sea:
        t = rng.randint(*DELOUSING_FIRST_DAYS)
        while t < LIFE_SPAN_DAYS:
            day = start + dt.timedelta(days=t)
            life.delousing[day.toordinal()] = rng.uniform(*DELOUSING_DEATH_RATE)
            life.fast_before(rng, day, DELOUSING_FASTING_DAYS)
            t += rng.randint(*DELOUSING_EVERY_DAYS)
    return life


# --- temperatures -------------------------------------------------------------------------------------------


def water_kind(pool_key: str) -> str:
    return "sea" if pool_key == "sea" else "tray" if pool_key == "tray" else "fresh"


def temperature_anomaly(*, seed: int, site: str, kind: str, origin: dt.date, days: int) -> list[float]:
    """A site's departure (°C) from the seasonal curve, day by day from ``origin``: a slow AR(1) (memory of
    60-120 days) plus a per-year offset, blended between mid-years, so warm or cold spells last months."""
    rng = random.Random(f"{seed}/world/anomaly/{site}")
    memory = rng.uniform(*ANOMALY_MEMORY_DAYS)
    phi = math.exp(-1.0 / memory)
    sd = ANOMALY_SD_C[kind]
    innovation = sd * math.sqrt(1 - phi * phi)
    years = range(origin.year - 1, origin.year + days // 365 + 3)
    offsets = {y: random.Random(f"{seed}/world/year/{site}/{y}").uniform(-1, 1) * YEAR_OFFSET_C[kind] for y in years}
    value = rng.gauss(0, sd)
    out = []
    for n in range(days):
        day = origin + dt.timedelta(days=n)
        value = phi * value + rng.gauss(0, innovation)
        out.append(value + _year_offset(offsets, day))
    return out


def _year_offset(offsets: dict[int, float], day: dt.date) -> float:
    mid = dt.date(day.year, 7, 2)
    other = day.year + (1 if day >= mid else -1)
    share = abs((day - mid).days) / 365.0
    return offsets[day.year] * (1 - share) + offsets[other] * share


# --- measurements -------------------------------------------------------------------------------------------


def sampling_bias(rng: random.Random, bio: Biology) -> float:
    """The factor a sampling's crowding puts on the average weight: 1, or 1.03-1.08 on some samplings."""
    if rng.random() < bio.biased_sampling_share:
        return rng.uniform(*BIASED_SAMPLING_FACTOR)
    return 1.0


def transfer_selection_bias(rng: random.Random, method: str) -> float:
    """The factor by which the weighed fish's average departs from the moved fish's, for a selection method:
    drawn per weighing, around but not at the engine's fixed correction (LARGEST 1/0.88, SMALLEST 1/1.12)."""
    return rng.uniform(*TRANSFER_SELECTION_BIAS[method])
