"""Reference multiclass metrics from scikit-learn for CnnMl's Evaluate.

Usage: sklearn_metrics.py predictions.csv
The CSV has no header; each row is: label, predicted, score_0, ..., score_{K-1}
(zero-based class indices; scores are the float32 probabilities, printed round-trip).
Prints one JSON object with the metrics computed by scikit-learn (and, for the
log-loss reduction, from the label frequencies).
"""
import json
import sys

import numpy as np
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix,
                             log_loss, precision_score, recall_score, top_k_accuracy_score)


def main(path):
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    y = data[:, 0].astype(int)
    pred = data[:, 1].astype(int)
    scores = data[:, 2:]
    k = scores.shape[1]
    labels = list(range(k))
    result = {
        "micro": accuracy_score(y, pred),
        "macro": balanced_accuracy_score(y, pred),
        "logloss": log_loss(y, scores, labels=labels),
        "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
        "precision": precision_score(y, pred, labels=labels, average=None, zero_division=0).tolist(),
        "recall": recall_score(y, pred, labels=labels, average=None, zero_division=0).tolist(),
        "topk": [top_k_accuracy_score(y, scores, k=t, labels=labels) for t in range(1, k)],
        "perClassLogLoss": [log_loss(y[y == c], scores[y == c], labels=labels) if np.any(y == c) else None for c in labels],
    }
    prior = np.bincount(y, minlength=k) / len(y)
    prior = prior[prior > 0]
    entropy = float(-(prior * np.log(prior)).sum())
    result["logLossReduction"] = (entropy - result["logloss"]) / entropy
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
