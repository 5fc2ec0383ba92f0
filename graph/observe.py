"""Watching the store from outside: each statement it runs, each wait for a connection.

graph/ imports nothing of the hub's, so the hub's metrics and traces register an observer
here (hub/metrics.py, hub/tracing.py) and the engines call `observed_statement` and
`observed_pool_wait`. An observer is told a statement's *name* (`contacts.RECORD_CONTACT`,
the module and constant it is declared as in graph/cypher/), never its parameters: those
carry names, dates of birth and NHS numbers. With no observer a statement pays one check.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import cache
from typing import Final, Protocol

# A statement that is not a public constant of graph/cypher/ (schema set-up, a test's own).
UNNAMED: Final = "unnamed"


class StoreObserver(Protocol):
    """What the store tells an observer."""

    def statement(
        self, name: str, *, read_only: bool, engine: str
    ) -> AbstractContextManager[object]:
        """A context that is open while the statement named `name` runs."""
        ...

    def pool_wait(self, seconds: float, *, timed_out: bool, engine: str) -> None:
        """A statement waited `seconds` for a connection (`timed_out`: and got none)."""
        ...


_observers: list[StoreObserver] = []


def watch_store(observer: StoreObserver) -> None:
    """Tell `observer` about every statement and connection wait from now on (idempotent)."""
    if not any(present is observer for present in _observers):
        _observers.append(observer)


def unwatch_store(observer: StoreObserver) -> None:
    """Stop telling `observer`."""
    _observers[:] = [present for present in _observers if present is not observer]


@cache
def _statement_names() -> dict[str, str]:
    # The same rule tests/graph/test_plans.py walks: public upper-case strings of
    # graph/cypher/'s modules are statements, named module.CONSTANT; a public table of
    # them (one statement per record label) names each module.CONSTANT[key].
    from graph import cypher

    names: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(cypher.__path__):
        module = importlib.import_module(f"{cypher.__name__}.{module_info.name}")
        for constant, value in vars(module).items():
            if not constant.isupper() or constant.startswith("_"):
                continue
            name = f"{module_info.name}.{constant}"
            if isinstance(value, str):
                names.setdefault(value, name)
            elif isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, str):
                        names.setdefault(item, f"{name}[{key}]")
    return names


def statement_name(statement: str) -> str:
    """The name a statement is declared under in graph/cypher/, or `unnamed`."""
    return _statement_names().get(statement, UNNAMED)


@contextlib.contextmanager
def observed_statement(statement: str, *, read_only: bool, engine: str) -> Iterator[None]:
    """Open each observer's context around one statement."""
    if not _observers:
        yield
        return
    name = statement_name(statement)
    with contextlib.ExitStack() as stack:
        for observer in tuple(_observers):
            stack.enter_context(observer.statement(name, read_only=read_only, engine=engine))
        yield


def observed_pool_wait(seconds: float, *, timed_out: bool, engine: str) -> None:
    """Tell each observer how long a statement waited for a connection."""
    for observer in tuple(_observers):
        observer.pool_wait(seconds, timed_out=timed_out, engine=engine)
