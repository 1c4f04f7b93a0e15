"""The straightforward BPE trainer that defines the merges z2h's fast trainer must reproduce.

Each step recounts every adjacent pair inside every chunk (in text order, so a dict's insertion
order is the order of first occurrence) and merges the most frequent; ``max`` keeps the first of
equal counts, so ties go to the pair that occurs first in the text as it is at that step.
"""

from __future__ import annotations

from itertools import pairwise


def reference_merges(chunks: list[bytes], num_merges: int) -> list[tuple[int, int]]:
    seqs = [list(chunk) for chunk in chunks]
    merges = []
    for new_id in range(256, 256 + num_merges):
        counts: dict[tuple[int, int], int] = {}
        for seq in seqs:
            for pair in pairwise(seq):
                counts[pair] = counts.get(pair, 0) + 1
        if not counts:
            break
        best = max(counts, key=counts.get)
        merges.append(best)
        seqs = [merge(seq, best, new_id) for seq in seqs]
    return merges


def merge(seq: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out = []
    i = 0
    while i < len(seq):
        if i + 1 < len(seq) and (seq[i], seq[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out
