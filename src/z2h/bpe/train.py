"""Fast byte-pair-encoding training: the reference algorithm, made incremental.

The reference (lecture 8, minbpe) recounts every adjacent pair after each merge and merges the most
frequent one; pairs never cross chunk boundaries, and among pairs with equal counts the one whose
first occurrence comes earliest in the text wins. This module computes exactly the same merges
without the recounting:

* identical chunks are stored once, with a weight (how often they occur), in order of first
  occurrence, laid out one after another in flat arrays of tokens with ``prev``/``next`` links;
* ``where[pair]`` lists the positions where the pair starts, ascending; entries are checked when
  used and stale ones skipped (a merge only ever removes occurrences of existing pairs and creates
  pairs that contain the new token, so each list stays sorted);
* a heap holds ``(-count, first position, pair)``. A pair's count can only fall and its first
  position only move right, so a stored key is never worse than the true one: pop the top, and if
  its key is out of date push it back corrected, otherwise it is the true winner.

Each merge costs time proportional to the occurrences it rewrites, not to the length of the text.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from itertools import pairwise


def train_merges(
    chunks: Iterable[bytes], num_merges: int, first_id: int = 256
) -> list[tuple[int, int]]:
    """Return up to ``num_merges`` merges learned from ``chunks`` (the text's pieces, in order).

    Merge ``i`` replaces the pair it names by the new token ``first_id + i``. Training stops early
    if no adjacent pair is left (the text is too short for the requested vocabulary).
    """
    weights: dict[bytes, int] = {}
    for chunk in chunks:
        weights[chunk] = weights.get(chunk, 0) + 1  # dict order = order of first occurrence

    # flat layout: position p holds token tok[p] (-1 once merged into its left neighbour);
    # prv/nxt link the live tokens of one chunk, -1 at its ends: pairs never cross chunks
    tok: list[int] = []
    weight: list[int] = []
    prv: list[int] = []
    nxt: list[int] = []
    counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], list[int]] = {}
    for chunk, w in weights.items():
        n = len(chunk)
        if n == 0:
            continue
        start = len(tok)
        tok.extend(chunk)
        weight.extend([w] * n)
        prv.append(-1)
        prv.extend(range(start, start + n - 1))
        nxt.extend(range(start + 1, start + n))
        nxt.append(-1)
        for p, pair in enumerate(pairwise(chunk), start):
            counts[pair] = counts.get(pair, 0) + w
            positions = where.get(pair)
            if positions is None:
                where[pair] = [p]
            else:
                positions.append(p)

    heap = [(-c, where[pair][0], pair) for pair, c in counts.items()]
    heapq.heapify(heap)

    def first_position(pair: tuple[int, int]) -> int:
        """Position of the pair's first live occurrence; drops the stale entries before it."""
        a, b = pair
        positions = where[pair]
        for i, p in enumerate(positions):
            q = nxt[p]
            if tok[p] == a and q != -1 and tok[q] == b:
                if i:
                    del positions[:i]
                return p
        raise RuntimeError(f"internal error: pair {pair} has a count but no occurrence")

    merges: list[tuple[int, int]] = []
    for new_id in range(first_id, first_id + num_merges):
        # subtle: a stored key is never worse than the pair's true key (counts only fall, first
        # positions only move right), so an up-to-date entry on top is the true winner
        while heap:
            neg_count, pos, pair = heap[0]
            count = counts.get(pair, 0)
            if count <= 0:
                heapq.heappop(heap)
                counts.pop(pair, None)
                where.pop(pair, None)
                continue
            if count != -neg_count:
                heapq.heapreplace(heap, (-count, pos, pair))
                continue
            true_pos = first_position(pair)
            if true_pos != pos:
                heapq.heapreplace(heap, (-count, true_pos, pair))
                continue
            heapq.heappop(heap)
            break
        else:
            break  # nothing left to merge
        merges.append(pair)
        created = _merge(pair, new_id, tok, nxt, prv, weight, counts, where)
        del counts[pair], where[pair]
        for new_pair in created:
            c = counts[new_pair]
            if c > 0:
                heapq.heappush(heap, (-c, where[new_pair][0], new_pair))
    return merges


def _merge(
    pair: tuple[int, int],
    new_id: int,
    tok: list[int],
    nxt: list[int],
    prv: list[int],
    weight: list[int],
    counts: dict[tuple[int, int], int],
    where: dict[tuple[int, int], list[int]],
) -> list[tuple[int, int]]:
    """Replace every occurrence of ``pair`` (left to right) by ``new_id``; return the new pairs."""
    a, b = pair
    created: list[tuple[int, int]] = []
    count_of = counts.get
    where_of = where.get
    for p in where[pair]:
        # subtle: an earlier merge in this loop may have consumed this occurrence ("aaa")
        if tok[p] != a:
            continue
        q = nxt[p]
        if q == -1 or tok[q] != b:
            continue
        w = weight[p]
        left = prv[p]
        if left != -1:
            x = tok[left]
            counts[(x, a)] -= w
            key = (x, new_id)
            counts[key] = count_of(key, 0) + w
            positions = where_of(key)
            if positions is None:
                where[key] = [left]
                created.append(key)
            else:
                positions.append(left)
        right = nxt[q]
        if right != -1:
            y = tok[right]
            counts[(b, y)] -= w
            key = (new_id, y)
            counts[key] = count_of(key, 0) + w
            positions = where_of(key)
            if positions is None:
                where[key] = [p]
                created.append(key)
            else:
                positions.append(p)
            prv[right] = p
        nxt[p] = right
        tok[p] = new_id
        tok[q] = -1
    return created
