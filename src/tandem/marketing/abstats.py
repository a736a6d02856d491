"""The A/B test's statistics: a two-proportion z-test (pooled), two-sided.

For variants with x1 successes of n1 and x2 of n2: p = (x1 + x2) / (n1 + n2),
se = sqrt(p (1 - p) (1/n1 + 1/n2)), z = (x1/n1 - x2/n2) / se, p-value = 2 * (1 - Phi(|z|)).
The winner is the variant with the best rate when its difference to the runner-up is
significant at `alpha`; otherwise the campaign's stated fallback variant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> ZTest:
    """z and the two-sided p-value; z = 0, p = 1 when a side is empty or the pooled rate is
    0 or 1 (nothing to tell apart)."""
    from scipy.stats import norm

    if n1 <= 0 or n2 <= 0:
        return ZTest(0.0, 1.0)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ZTest(0.0, 1.0)
    z = (x1 / n1 - x2 / n2) / se
    return ZTest(z, float(2 * norm.sf(abs(z))))


def choose_winner(counts: dict[str, tuple[int, int]], *, fallback: str, alpha: float = ALPHA):
    """counts: label -> (successes, trials). The best rate against the runner-up; a dict
    with the figures, `significant` and `winner` (the fallback when not significant)."""
    rates = {label: (x / n if n else 0.0) for label, (x, n) in sorted(counts.items()) if label}
    ranked = sorted(rates, key=lambda label: (-rates[label], label))
    best, runner = ranked[0], ranked[1]
    test = two_proportion_ztest(*counts[best], *counts[runner])
    significant = rates[best] > rates[runner] and test.p_value < alpha
    return {
        "variants": {
            label: {
                "successes": counts[label][0],
                "trials": counts[label][1],
                "rate": round(rates[label], 6),
            }
            for label in ranked
        },
        "best": best,
        "runner_up": runner,
        "z": round(test.z, 6),
        "p_value": round(test.p_value, 6),
        "alpha": alpha,
        "significant": significant,
        "winner": best if significant else fallback,
        "verdict": "significant" if significant else "not significant",
    }
