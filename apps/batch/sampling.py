"""The rule of a sampling day of several casts: the day's growth sample as their aggregate (docs/api.md, "Casts").

Operators weigh several casts of 20-100 fish per pen on a sampling day. Each cast is kept; the day's
``GrowthSample`` (which the engine reads) is their aggregate by one rule, ``casts_aggregate``, which every
writer uses — the API, the admin, the pages, the demo farm and file imports (a cast is anything with
``fish_weighed``, ``avg_weight_g``, ``std_dev_weight_g`` and ``weights_g``: a model row or an unsaved one):

- fish weighed: the sum of the casts' fish;
- mean weight: the fish-weighted mean of the casts' means;
- standard deviation: the pooled one of all the fish weighed, from each cast's own spread *and* the spread of
  the casts' means around the day's mean (the law of total variance, with n - 1 as everywhere in the project):
  ``s² = (Σ (nᵢ - 1)·sᵢ² + Σ nᵢ·(mᵢ - m)²) / (N - 1)``. It is exactly the standard deviation of the pooled
  individual weights. A cast of more than one fish with no spread recorded leaves the day's unknown (None).

Pure Python, no Django: the demo farm's simulation (which imports no Django) pools its casts with it too.
The arithmetic is exact: every set of fish is held as its count, the sum of its weights and the sum of their
squares in whole hundredths of a gram (``Moments``), so pooling is integer addition, and the mean and spread
are rounded once, half up, to the stored 0.01 g at the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FIGURES = ("sample_size", "avg_weight_g", "std_dev_weight_g")


@dataclass(frozen=True)
class Moments:
    """A set of fish by its sufficient statistics, exact: how many, the sum of their weights and the sum of the
    squares of their weights, in whole hundredths of a gram (the stored precision). ``squares`` is None when
    the spread is unknown. Pooling sets is adding these, which is why the rule is exact and cheap."""

    fish: int
    total: int
    squares: int | None

    @property
    def mean(self) -> Fraction:
        """In g."""
        return Fraction(self.total, 100 * self.fish)

    @property
    def variance(self) -> Fraction | None:
        """The sample variance (n - 1) in g²; 0 for one fish, None when unknown."""
        if self.squares is None:
            return None
        if self.fish == 1:
            return Fraction(0)
        return Fraction(self.fish * self.squares - self.total**2, self.fish * (self.fish - 1) * 10_000)


@dataclass(frozen=True)
class DayFigures:
    """The day's growth sample figures as stored: fish, mean and standard deviation in g (0.01 g)."""

    sample_size: int
    avg_weight_g: Decimal
    std_dev_weight_g: Decimal | None


def hundredths(value) -> int:
    """A weight in g as whole hundredths (rounded half up, as the stored 0.01 g). A float that already holds
    two places (its shortest decimal form) takes the quick way; anything else goes through its decimal."""
    if isinstance(value, float):
        scaled = round(value * 100)
        if abs(value * 100 - scaled) < 1e-6 * max(1.0, abs(value)):
            return scaled
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(exact.scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))


def weights_moments(weights: Sequence) -> Moments:
    """The moments of individual weights (a cast weighed fish by fish)."""
    values = [hundredths(w) for w in weights]
    return Moments(fish=len(values), total=sum(values), squares=sum(v * v for v in values))


def cast_moments(cast) -> Moments:
    """A cast's moments: from its individual weights when it has them, else from its recorded fish ``n``,
    mean ``m`` and spread ``s``: total ``n·m``, squares ``(n - 1)·s² + n·m²`` (a one-fish cast has no spread
    of its own; a larger one without ``s`` leaves the squares unknown)."""
    if cast.weights_g:
        return weights_moments(cast.weights_g)
    n, m = cast.fish_weighed, hundredths(cast.avg_weight_g)
    sd = cast.std_dev_weight_g
    if n == 1:
        squares = m * m
    else:
        squares = None if sd is None else (n - 1) * hundredths(sd) ** 2 + n * m * m
    return Moments(fish=n, total=n * m, squares=squares)


def moments_pooled(parts: Iterable[Moments]) -> Moments:
    """The moments of all the parts' fish together: the sums add up (within-part spread and the spread of the
    parts' means around the pooled mean both follow from them, exactly)."""
    parts = list(parts)
    squares = None if any(p.squares is None for p in parts) else sum(p.squares for p in parts)
    return Moments(fish=sum(p.fish for p in parts), total=sum(p.total for p in parts), squares=squares)


def _ratio_rounded(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _sqrt_ratio_rounded(numerator: int, denominator: int) -> int:
    """``sqrt(numerator / denominator)`` rounded half up, in integers (floor(sqrt(x)) = isqrt(floor(x)))."""
    return (math.isqrt(4 * numerator // denominator) + 1) // 2


def moments_figures(moments: Moments) -> DayFigures:
    """Fish, mean and standard deviation (n - 1) to the stored 0.01 g, each rounded once."""
    n, total, squares = moments.fish, moments.total, moments.squares
    mean = Decimal(max(_ratio_rounded(total, n), 1)).scaleb(-2)
    if squares is None or n == 1:
        return DayFigures(n, mean, None)
    spread = _sqrt_ratio_rounded(n * squares - total * total, n * (n - 1))
    return DayFigures(n, mean, Decimal(spread).scaleb(-2))


def casts_aggregate(casts: Sequence) -> DayFigures:
    """The day's sample from its casts (the module's rule). One cast without individual weights is the day's
    sample as recorded (its spread too, even for one fish). The bounds of a stored sample are checked by the
    writers (``apps.batch.models.casts.day_figures_validate``)."""
    if not casts:
        raise ValueError("a sampling day has at least one cast")
    if len(casts) == 1 and not casts[0].weights_g:
        only = casts[0]
        figures = DayFigures(only.fish_weighed, Decimal(str(only.avg_weight_g)), only.std_dev_weight_g)
    else:
        figures = moments_figures(moments_pooled(cast_moments(c) for c in casts))
    return figures
