"""How the farm's measurements deviate from the truth (no Django).

Weighing n fish whose weights vary with a coefficient of variation of 20 % gives an average off by about
20 % / sqrt(n): a lognormal factor with that spread and mean 1. Fish weighed at a transfer were picked by a
selection method; the engine corrects LARGEST by x 0.88 and SMALLEST by x 1.12 (docs/engine.md §3), so the
measured value is the true average divided by that factor.
"""

from __future__ import annotations

import math
import random

from . import world

FISH_WEIGHT_CV = 0.20
CONDITION_FACTOR = 1.1  # Fulton's K = 100 * W(g) / L(cm)^3 for a well-fed salmon
SELECTION_BIAS = {"AVERAGE": 1.0, "LARGEST": 0.88, "SMALLEST": 1.12}
SELECTION_CHANCES = (("AVERAGE", 0.75), ("LARGEST", 0.15), ("SMALLEST", 0.10))
TRANSFER_WEIGHED_CHANCE = 0.85
TRANSFER_WEIGHED_FISH = 100


def weighed_average_g(rng: random.Random, true_g: float, fish: int) -> float:
    """The average weight (g, 2 dp, at least 0.01) of ``fish`` fish weighed from a population averaging ``true_g``."""
    return max(0.01, round(true_g * _mean_one_lognormal(rng, FISH_WEIGHT_CV / math.sqrt(fish)), 2))


def weight_spread_g(rng: random.Random, true_g: float) -> float:
    """The standard deviation (g) a sample reports: about 20 % of the average."""
    return max(0.01, round(true_g * FISH_WEIGHT_CV * math.exp(rng.gauss(0, 0.15)), 2))


def length_cm(weight_g: float) -> float:
    return round((100 * weight_g / CONDITION_FACTOR) ** (1 / 3), 2)


def transfer_weighing(rng: random.Random, true_g: float) -> tuple[float | None, str]:
    """(measured average weight or None when nobody weighed, selection method) of fish moved at ``true_g``."""
    draw, method = rng.random(), "AVERAGE"
    for name, chance in SELECTION_CHANCES:
        if draw < chance:
            method = name
            break
        draw -= chance
    if rng.random() >= TRANSFER_WEIGHED_CHANCE:
        return None, method
    return weighed_average_g(rng, true_g / SELECTION_BIAS[method], TRANSFER_WEIGHED_FISH), method


def transfer_weighing_realistic(rng: random.Random, true_g: float) -> tuple[float | None, str]:
    """As ``transfer_weighing``, but the weighed fish depart from the moved ones by a factor drawn per weighing
    (world.TRANSFER_SELECTION_BIAS), not by the engine's fixed correction."""
    draw, method = rng.random(), "AVERAGE"
    for name, chance in SELECTION_CHANCES:
        if draw < chance:
            method = name
            break
        draw -= chance
    if rng.random() >= TRANSFER_WEIGHED_CHANCE:
        return None, method
    return weighed_average_g(rng, true_g * world.transfer_selection_bias(rng, method), TRANSFER_WEIGHED_FISH), method


def _mean_one_lognormal(rng: random.Random, cv: float) -> float:
    sigma = math.sqrt(math.log1p(cv * cv))
    return math.exp(rng.gauss(-sigma * sigma / 2, sigma))
