"""Union-find over string ids, the one used for clusters and for deduplication's copy groups.

>>> uf = UnionFind(); uf.union("a", "b"), uf.union("b", "a"), uf.find("b")
(True, False, 'a')
"""

from __future__ import annotations

__all__ = ["UnionFind"]


class UnionFind:
    """Disjoint sets of ids with path compression; ``union(a, b)`` keeps ``a``'s root.

    >>> uf = UnionFind(); _ = uf.union("x", "y"); uf.find("y"), uf.find("z")
    ('x', 'z')
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        """The root of ``x``'s set (``x`` itself when it was never joined)."""
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> bool:
        """Join the sets of ``a`` and ``b`` under ``a``'s root; whether they were apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[rb] = ra
        return True
