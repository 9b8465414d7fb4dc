"""Dependency graphs (roadmap items, backlog items): an edge ``blocker → blocked``."""

from collections import deque
from collections.abc import Iterable


def closing_cycle(edges: Iterable[tuple[int, int]], blocker: int, blocked: int) -> list[int]:
    """The node ids of the cycle that a new edge ``blocker → blocked`` would close, as the path
    ``blocker → blocked → … → blocker``, or [] if it closes none.

    A cycle exists when ``blocked`` already (transitively) blocks ``blocker``: a breadth-first
    walk from ``blocked`` finds the shortest such path.
    """
    following: dict[int, list[int]] = {}
    for source, target in edges:
        following.setdefault(source, []).append(target)
    came_from: dict[int, int | None] = {blocked: None}
    queue = deque([blocked])
    while queue:
        current = queue.popleft()
        if current == blocker:
            path = []
            node: int | None = current
            while node is not None:
                path.append(node)
                node = came_from[node]
            return [blocker, *reversed(path)]
        for target in following.get(current, []):
            if target not in came_from:
                came_from[target] = current
                queue.append(target)
    return []
