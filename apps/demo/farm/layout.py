"""The demo farm's fixed shape: species and stages, container pools, sea sites and the scenario models.

Pure data and small pure functions (no Django): the simulation and the writer both read it, so the truth
the simulation follows and the models written to the database come from one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SPECIES_NAME = "Atlantic salmon"
SPECIES_SCIENTIFIC_NAME = "Salmo salar"

# (order, name, min_g, max_g) -- docs/engine.md §4
STAGES: tuple[tuple[int, str, float, float], ...] = (
    (1, "Egg&Alevin", 0.05, 0.5),
    (2, "Fry", 0.5, 6.0),
    (3, "Parr", 6.0, 60.0),
    (4, "Smolt", 60.0, 180.0),
    (5, "Post-Smolt", 180.0, 500.0),
    (6, "Adult", 500.0, 7000.0),
)
STAGE_MAX_G = {order: max_g for order, _, _, max_g in STAGES}
SEA_STAGES = frozenset({5, 6})  # lived at sea (LifeCycleStage.at_sea): fish in fresh water never reach them
LAST_STAGE = STAGES[-1][0]
EGG_STAGE = 1

TEMPERATURE_CODE = "temperature"
TEMPERATURE_NAME = "Water temperature"
TEMPERATURE_UNIT = "°C"

FRESHWATER_SITE = "Fossá freshwater station"
SEA_SITE_NAMES = (
    "Kaldbaksfjørður",
    "Funningsfjørður",
    "Skálafjørður",
    "Sundalagið",
    "Vestmanna",
    "Hvannasund",
    "Borðoyarvík",
    "Sørvágsfjørður",
    "Lambavík",
    "Gøtuvík",
    "Selvík",
    "Hvalvík",
    "Kollafjørður",
    "Tvøroyri",
    "Vágsfjørður",
    "Trongisvágsfjørður",
    "Árnafjørður",
    "Haraldssund",
    "Fuglafjørður",
    "Leirvík",
    "Miðvágur",
    "Sandavágur",
    "Klaksvík",
    "Eiði",
)
PEN_VOLUME_M3 = 40_000.0
PEN_FALLOW_DAYS = 60  # a sea site lies fallow between generations


@dataclass(frozen=True)
class Pool:
    """Freshwater containers of one kind, named ``<prefix>NN``, reusable after ``fallow_days``."""

    key: str
    prefix: str
    kind: str  # Container.Kind value
    volume_m3: float
    fallow_days: int


POOLS = {
    "tray": Pool("tray", "Hatchery tray ", "TRAY", 2.0, 7),
    "fry": Pool("fry", "Fry tank F", "TANK", 25.0, 5),
    "parr": Pool("parr", "Parr tank P", "TANK", 150.0, 5),
    "smolt": Pool("smolt", "Smolt tank S", "TANK", 800.0, 5),
}
SEA = "sea"


def pool_container_name(pool: Pool, number: int) -> str:
    return f"{pool.prefix}{number:02d}"


def pen_name(number: int) -> str:
    return f"Pen {number:02d}"


def sea_site_name(number: int) -> str:
    """The ``number``-th sea site (1-based)."""
    if number <= len(SEA_SITE_NAMES):
        return SEA_SITE_NAMES[number - 1]
    return f"Sea site {number}"


# --- scenario models (the farm's plan); the truth differs from them per batch --------------------------

MORTALITY_MODEL_NAME = "Faroe standard 0.05 %/day"
MORTALITY_DAILY_PERCENT = 0.05
FCR_MODEL_NAME = "Faroe standard FCR"
FCR_BY_STAGE = {2: 1.0, 3: 1.05, 4: 1.1, 5: 1.15, 6: 1.25}  # eggs and alevins live on their yolk sac
# per 1000; freshwater stages grow far slower per degree-day than fish at sea
TGC_STAGE_OVERRIDES = {1: 0.45, 2: 1.0, 3: 1.4, 4: 1.45, 5: 2.4}
PLAN_DAYS = 900
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tgc_model_value(start_month: int) -> float:
    """The model TGC (per 1000) of batches starting in ``start_month``: 2.6-2.9, fixed per month."""
    return round(2.6 + 0.3 * ((start_month * 5) % 12) / 11, 2)


def tgc_for_stage(start_month: int, stage_order: int) -> float:
    return TGC_STAGE_OVERRIDES.get(stage_order, tgc_model_value(start_month))


def profile_name(start_month: int) -> str:
    return f"Faroe plan {PLAN_DAYS} d, start {MONTHS[start_month - 1]}"


def tgc_model_name(start_month: int) -> str:
    return f"Faroe TGC {tgc_model_value(start_month):.2f}, start {MONTHS[start_month - 1]}"


# --- temperatures -------------------------------------------------------------------------------------

FRESHWATER_BASE_C = {"tray": 8.0, "fry": 12.0, "parr": 12.0, "smolt": 11.5}
FRESHWATER_SWING_C = {"tray": 0.3, "fry": 0.8, "parr": 1.0, "smolt": 1.2}
SEA_MEAN_C = 9.5
SEA_SWING_C = 3.5
SEA_RISING_DAY_OF_YEAR = 155  # coldest early March, warmest early September


def seasonal(day_of_year: int, rising_day: int) -> float:
    """A yearly sine in [-1, 1] that crosses zero upward on ``rising_day``."""
    return math.sin(2 * math.pi * (day_of_year - rising_day) / 365.25)


def expected_temp_c(pool_key: str, day_of_year: int) -> float:
    """The water temperature a pool (or ``SEA``) has on a day of the year, without daily noise."""
    if pool_key == SEA:
        return SEA_MEAN_C + SEA_SWING_C * seasonal(day_of_year, SEA_RISING_DAY_OF_YEAR)
    # freshwater is drawn from a lake and heated; its small swing lags the air by a month or so
    return FRESHWATER_BASE_C[pool_key] + FRESHWATER_SWING_C[pool_key] * seasonal(day_of_year, 120)


FEED_BY_STAGE = {2: "Fry starter 0.5 mm", 3: "Parr 1.5 mm", 4: "Smolt 3 mm", 5: "Post-smolt 4.5 mm", 6: "Grower 9 mm"}


def stage_for_weight(weight_g: float) -> int:
    """The order of the stage whose band holds ``weight_g`` (a weight at a band's maximum is the next stage)."""
    for order, _, _, max_g in STAGES:
        if weight_g < max_g:
            return order
    return LAST_STAGE
