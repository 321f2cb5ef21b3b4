"""Quality metrics: pure numpy/scipy functions on samples, features and discriminator outputs.

- `points`: mode coverage, sample quality and MMD for low-dimensional mixtures (VEEGAN/PacGAN).
- `features`: Fréchet distance, KID, precision/recall, density/coverage, classifier scores.
- `theory`: the value function, the JSD bound, the equilibrium gap and the stop rule.
- `classifier`: the small per-dataset CNN whose features the image metrics use (cached).
- `evaluate`: every figure beside its real-vs-real baseline (`ganstudio eval`, live curves).

Importing this package imports no TensorFlow; the classifier imports it when first used.
"""

from ganstudio.core.metrics.classifier import FeatureClassifier, get_classifier
from ganstudio.core.metrics.evaluate import (
    LiveEvaluator,
    evaluate_export,
    evaluate_generator,
    evaluate_samples,
    format_table,
)
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
    "FeatureClassifier",
    "LiveEvaluator",
    "ModeStats",
    "StopRule",
    "class_coverage",
    "classifier_score",
    "density_coverage",
    "equilibrium_gap",
    "evaluate_export",
    "evaluate_generator",
    "evaluate_samples",
    "format_table",
    "frechet_distance",
    "get_classifier",
    "histogram_overlap",
    "jsd_lower_bound",
    "kernel_inception_distance",
    "mmd_rbf",
    "mode_stats",
    "precision_recall",
    "value_estimate",
    "wasserstein_estimate",
]
