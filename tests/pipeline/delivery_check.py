"""Reading back what the crash helper fed: which numbered lines the store holds, how often."""

from __future__ import annotations

import re
from collections import Counter

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

_NUMBER = re.compile(r"line (\d{7})")


def stored_line_numbers(es: Elasticsearch, pattern: str) -> Counter[int]:
    """How many documents hold each line number."""
    es.indices.refresh(index=pattern)
    seen: Counter[int] = Counter()
    for hit in scan(
        es, index=pattern, query={"query": {"match_all": {}}}, _source=["message"], size=5000
    ):
        m = _NUMBER.search(hit["_source"]["message"])
        assert m, hit
        seen[int(m.group(1))] += 1
    return seen


def assert_exactly_once(seen: Counter[int], *, acked: int, fed: int) -> None:
    """Every acknowledged line once; nothing twice; nothing that was never fed."""
    missing = [i for i in range(acked) if seen[i] == 0]
    assert not missing, f"{len(missing)} acknowledged lines missing, e.g. {missing[:5]}"
    twice = [i for i, n in seen.items() if n > 1]
    assert not twice, f"{len(twice)} lines stored more than once, e.g. {twice[:5]}"
    assert max(seen) < fed
