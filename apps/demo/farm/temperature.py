"""True water temperatures and the sensor readings taken of them (no Django).

A container's true daily temperature is its pool's seasonal curve (layout.expected_temp_c) plus slow
day-to-day noise (AR(1)); sea sites also sit a little warmer or colder than the average. Sensors read it
twice a day with ±0.15 °C noise, and go quiet now and then: short gaps of 2-5 days, rarely more than a week.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable

from . import world
from .layout import SEA, expected_temp_c
from .types import ContainerKey, ReadingRec

NOISE_MEMORY = 0.8  # AR(1) coefficient of the day noise
NOISE_SD_C = {SEA: 0.35}
FRESHWATER_NOISE_SD_C = 0.15
SEA_SITE_OFFSET_C = 0.4
SENSOR_SD_C = 0.15
READING_HOURS = (6, 18)
SHORT_GAP_CHANCE, SHORT_GAP_DAYS = 1 / 45, (2, 5)
LONG_GAP_CHANCE, LONG_GAP_DAYS = 1 / 400, (8, 14)
HALF_DAY_CHANCE = 0.02  # one of the two readings missing


class TemperatureSeries:
    """True daily temperatures (°C) of one container from ``origin`` on; deterministic per seed and container."""

    def __init__(
        self,
        key: ContainerKey,
        pool_key: str,
        *,
        seed: int,
        origin: dt.date,
        days: int,
        anomaly: list[float] | None = None,
    ):
        """``anomaly``: the site's slow departure from the seasonal curve (°C by day from ``origin``; realistic world)."""
        self.origin = origin
        rng = random.Random(f"{seed}/temperature/{key[0]}/{key[1]}")
        offset = random.Random(f"{seed}/site/{key[0]}").uniform(-1, 1) * SEA_SITE_OFFSET_C if pool_key == SEA else 0.0
        sd = NOISE_SD_C.get(pool_key, FRESHWATER_NOISE_SD_C)
        innovation_sd = sd * math.sqrt(1 - NOISE_MEMORY**2)
        noise = rng.gauss(0, sd)
        self.values: list[float] = []
        for n in range(days):
            day = origin + dt.timedelta(days=n)
            noise = NOISE_MEMORY * noise + rng.gauss(0, innovation_sd)
            self.values.append(expected_temp_c(pool_key, day.timetuple().tm_yday) + offset + noise)
        if anomaly is not None:
            self.values = [v + a for v, a in zip(self.values, anomaly)]

    def on(self, day: dt.date) -> float:
        return self.values[(day - self.origin).days]


def readings_for(
    key: ContainerKey,
    series: TemperatureSeries,
    days: Iterable[dt.date],
    *,
    seed: int,
    force_long_gap: bool,
    outages: bool = False,
) -> list[ReadingRec]:
    """Two readings a day on ``days`` (sorted, distinct), except in sensor gaps; ``outages`` (realistic world):
    also weeks-long outages (world.OUTAGE_CHANCE, OUTAGE_DAYS)."""
    days = list(days)
    rng = random.Random(f"{seed}/sensor/{key[0]}/{key[1]}")
    silent = _gap_days(days, rng, force_long_gap)
    if outages:
        silent |= _outage_days(days, random.Random(f"{seed}/world/outage/{key[0]}/{key[1]}"))
    readings = []
    for day in days:
        if day in silent:
            continue
        true_c = series.on(day)
        hours = READING_HOURS if rng.random() >= HALF_DAY_CHANCE else READING_HOURS[:1]
        for hour in hours:
            readings.append(ReadingRec(key, day, hour, rng.randrange(60), round(true_c + rng.gauss(0, SENSOR_SD_C), 2)))
    return readings


def _outage_days(days: list[dt.date], rng: random.Random) -> set[dt.date]:
    silent: set[dt.date] = set()
    resume = None
    for day in days:
        if resume is not None and day < resume:
            silent.add(day)
        elif rng.random() < world.OUTAGE_CHANCE:
            resume = day + dt.timedelta(days=rng.randint(*world.OUTAGE_DAYS))
            silent.add(day)
    return silent


def _gap_days(days: list[dt.date], rng: random.Random, force_long_gap: bool) -> set[dt.date]:
    silent: set[dt.date] = set()
    long_gaps = 0
    resume = None
    for day in days:
        if resume is not None and day < resume:
            silent.add(day)
            continue
        draw = rng.random()
        if draw < LONG_GAP_CHANCE:
            resume, long_gaps = day + dt.timedelta(days=rng.randint(*LONG_GAP_DAYS)), long_gaps + 1
            silent.add(day)
        elif draw < LONG_GAP_CHANCE + SHORT_GAP_CHANCE:
            resume = day + dt.timedelta(days=rng.randint(*SHORT_GAP_DAYS))
            silent.add(day)
    if force_long_gap and not long_gaps and len(days) >= 40:
        # somewhere in the middle, so the readings on both sides show the gap
        first = rng.randint(10, len(days) - 25)
        silent.update(days[first : first + rng.randint(*LONG_GAP_DAYS)])
    return silent
