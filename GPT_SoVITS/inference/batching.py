"""Which pieces of a text the GPT decodes together: upstream's `batch_size`, `split_bucket`
and `batch_threshold`, as a plan of index lists (the decoding itself is `AR.models.batch_decode`).

Left padding costs compute on every padded position of every step, and a batch runs as long
as its longest row, so rows of similar length batch best. With `split_bucket` the pieces are
sorted by phone count (stable: equal lengths keep text order) and a batch is closed when it is
full or when its shortest row would fall below `batch_threshold` times the new, longer one.
Without it, consecutive pieces go together in text order (what streaming needs: piece 1 first).
Callers put the results back in text order.
"""

from __future__ import annotations

from typing import Sequence


def plan_batches(lengths: Sequence[int], batch_size: int, split_bucket: bool = True,
                 threshold: float = 0.75) -> list[list[int]]:
    """Index lists covering `range(len(lengths))` once each, at most `batch_size` per list.

    >>> plan_batches([10, 40, 12, 38], 4)
    [[0, 2], [3, 1]]
    >>> plan_batches([10, 40, 12, 38], 2, split_bucket=False)
    [[0, 1], [2, 3]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if not split_bucket:
        return [list(range(start, min(start + batch_size, len(lengths)))) for start in range(0, len(lengths), batch_size)]
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        current = batches[-1] if batches else None
        if (current is not None and len(current) < batch_size
                and lengths[current[0]] >= threshold * lengths[index]):
            current.append(index)
        else:
            batches.append([index])
    return batches
