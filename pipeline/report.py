"""Progress bars and stage timings on stderr, and the closing summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

Advance = Callable[[float], None]


class Report:
    """Times named stages; shows live bars on a terminal and plain lines otherwise."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.seconds: dict[str, float] = {}
        self._progress: Progress | None = None

    @contextmanager
    def stage(self, name: str, description: str, total: float | None = None) -> Iterator[Advance]:
        """Run one stage; the block gets an ``advance(n)`` callable for its bar."""
        start = time.perf_counter()
        if self.console.is_terminal:
            with self._bars() as bars:
                task = bars.add_task(description, total=total)

                def advance(n: float = 1.0) -> None:
                    bars.advance(task, n)

                yield advance
                bars.update(task, completed=total if total is not None else 1, total=total or 1)
        else:
            self.console.print(f"{description} …", highlight=False)

            def ignore(n: float = 1.0) -> None:
                pass

            yield ignore
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    @contextmanager
    def _bars(self) -> Iterator[Progress]:
        if self._progress is None:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()
        yield self._progress

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def note(self, text: str) -> None:
        self.console.print(text, highlight=False, soft_wrap=True)  # a warning stays one line, for grep

    def summary(self, title: str, rows: list[tuple[str, str]]) -> None:
        self.close()
        table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for key, value in rows:
            table.add_row(key, value)
        for name, seconds in self.seconds.items():
            table.add_row(f"time: {name}", f"{seconds:.1f} s")
        self.console.print(table)
