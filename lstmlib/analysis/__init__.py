"""Looking inside trained networks.

    gradients   how far the error signal reaches: Jacobians by distance, the forget-gate product
    probes      linear probes: logistic regression on a network's frozen states (chapter 5)
    stats       summaries several chapters share: geometric mean, Pearson correlation
"""
