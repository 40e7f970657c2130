"""One way to sort every sortable list: `s` moves to the next column's sort, `S` reverses
it, and a click on a header sorts by that column or, clicked again, reverses it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any


class SortedList:
    """Mixed into a screen whose `query_state` (a frozen dataclass with `sort` and
    `descending`) takes effect through `_set_query`, and which names `sort_keys`."""

    query_state: Any

    def _set_query(self, query: Any) -> None:
        raise NotImplementedError

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """The sorts `s` cycles through, in order."""
        raise NotImplementedError

    def sort_by(self, sort: str, *, descending: bool = False) -> None:
        self._set_query(replace(self.query_state, sort=sort, descending=descending))

    def action_cycle_sort(self) -> None:
        keys, current = self.sort_keys, self.query_state.sort
        position = keys.index(current) if current in keys else -1
        self.sort_by(keys[(position + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        self.sort_by(self.query_state.sort, descending=not self.query_state.descending)

    def sort_header_clicked(self, sort: str) -> None:
        if sort == self.query_state.sort:
            self.action_reverse_sort()
        else:
            self.sort_by(sort)
