"""Plain-language tooltips for the scores and terms several pages show, so that each term is
explained once, in the same words everywhere."""

SHARES = "Scores are shares from 0 to 1: 1 means every clip right."
P_MISALIGNED = (
    "p(misaligned): the method's probability, from 0 to 1, that a clip's sound and picture do "
    "not belong together (delayed or advanced, replaced, removed or warped)."
)
METRICS = {
    "Accuracy": "Share of the test clips the method called right, aligned or misaligned.",
    "Precision": "Of the clips the method called misaligned, the share that really are.",
    "Recall": "Of the clips that really are misaligned, the share the method caught.",
    "F1": "One number for precision and recall together (their harmonic mean); it is high only when both are.",
    "ROC AUC": "The area under the ROC curve: the chance that a misaligned clip picked at random gets a higher "
    "p(misaligned) than an aligned one. 0.5 is guessing, 1 is perfect; it does not depend on the "
    "threshold.",
}
YOUDEN = (
    "Youden's J: the threshold where the share of misaligned clips caught minus the share of aligned "
    "clips wrongly flagged is largest; the best balance of the two on these test clips."
)
SYNC_CONFIDENCE = (
    "How far the best fit between motion and sound stands above the fits that the same sounds, "
    "shuffled in time, reach against this picture by chance, in standard deviations. From 4 "
    "on, with a clear lead over the next best fit and the same fit found again in most resamples "
    "of the clip, the offset counts as measured."
)
