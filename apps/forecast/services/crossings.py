"""The crossings a projection stores beside its series (docs/forecast.md "Sea transfer", "Summary"): the
harvest and sea-transfer dates with the weights of those days, so that the summary reads no series."""

from __future__ import annotations

from apps.forecast.engine import Crossing, Projection


def crossing_fields(projection: Projection, *, sea_transfer_target_g: float | None) -> dict:
    """The Projection columns of the harvest's weights and of the sea transfer (all null outside fresh water)."""
    return {
        **_weights("harvest", projection.harvest),
        "sea_transfer_target_g": sea_transfer_target_g,
        "sea_transfer_date": projection.sea_transfer.date if projection.sea_transfer else None,
        "sea_transfer_date_p10": projection.sea_transfer.early if projection.sea_transfer else None,
        "sea_transfer_date_p90": projection.sea_transfer.late if projection.sea_transfer else None,
        **_weights("sea_transfer", projection.sea_transfer),
    }


def _weights(prefix: str, crossing: Crossing | None) -> dict:
    weights = crossing.weight_g if crossing and crossing.weight_g else (None, None, None)
    return {
        f"{prefix}_weight_{key}_g": None if w is None else round(w, 1) for key, w in zip(("p10", "p50", "p90"), weights)
    }
