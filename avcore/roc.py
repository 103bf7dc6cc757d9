"""The ROC curve of scores against labels and its Youden point, the one place Youden's J is
worked out: the seed threshold is fitted at it, and the app's ROC page shows it.

scikit-learn is imported when used: it costs seconds at import, which the app's plots module
must not pay up front.
"""

from __future__ import annotations

import numpy as np


def youden(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """scikit-learn's ROC curve (false- and true-positive rates at each threshold, the first
    threshold +inf) and the index of its point with the largest Youden's J, TPR - FPR."""
    from sklearn.metrics import roc_curve

    fpr, tpr, thresholds = roc_curve(y, scores)
    return fpr, tpr, thresholds, int(np.argmax(tpr - fpr))
