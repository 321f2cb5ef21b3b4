"""Quality metrics: pure numpy/scipy functions on samples, features and discriminator outputs.

- `points`: mode coverage, sample quality and MMD for low-dimensional mixtures (VEEGAN/PacGAN).
- `features`: Fréchet distance, KID, precision/recall, density/coverage, classifier scores.
- `theory`: the value function, the JSD bound, the equilibrium gap and the stop rule.
"""

from ganstudio.core.metrics.features import (
    class_coverage,
    classifier_score,
    density_coverage,
    frechet_distance,
    kernel_inception_distance,
    precision_recall,
)
from ganstudio.core.metrics.points import ModeStats, mmd_rbf, mode_stats
from ganstudio.core.metrics.theory import (
    StopRule,
    equilibrium_gap,
    histogram_overlap,
    jsd_lower_bound,
    value_estimate,
    wasserstein_estimate,
)

__all__ = [
    "ModeStats",
    "StopRule",
    "class_coverage",
    "classifier_score",
    "density_coverage",
    "equilibrium_gap",
    "frechet_distance",
    "histogram_overlap",
    "jsd_lower_bound",
    "kernel_inception_distance",
    "mmd_rbf",
    "mode_stats",
    "precision_recall",
    "value_estimate",
    "wasserstein_estimate",
]
