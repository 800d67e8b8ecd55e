"""Feed and observed FCR (docs/engine.md §6).

Feed in kg, biomass in kg, weight in g.
"""

from __future__ import annotations

MAX_FCR = 10.0
MIN_GAIN_KG = 1.0


def grown_biomass_kg(
    biomass_kg: float,
    previous_biomass_kg: float,
    transferred_in: int,
    transferred_out: int,
    weight_g: float,
) -> float:
    """Biomass the fish *grew* in a day: today's minus yesterday's, less the fish moved in, plus the fish
    moved out (valued at today's weight), since moved fish change biomass without eating.

    ``previous_biomass_kg`` must be yesterday's biomass rounded with ``round(x, 2)`` -- the value a stored
    row holds -- so that a restart from stored rows computes the same figure.
    """
    return biomass_kg - previous_biomass_kg - (transferred_in - transferred_out) * weight_g / 1000.0


def observed_fcr(feed_kg: float, gain_kg: float) -> float | None:
    """Feed / growth, capped at 10; None unless fish were fed and grew more than 1 kg."""
    if feed_kg > 0.0 and gain_kg > MIN_GAIN_KG:
        return min(feed_kg / gain_kg, MAX_FCR)
    return None
