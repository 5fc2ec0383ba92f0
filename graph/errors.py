"""Errors the graph store raises, the same whichever engine is underneath."""

from __future__ import annotations


class GraphError(Exception):
    """Base of every error raised by a graph engine adapter."""


class GraphUnavailable(GraphError):
    """The engine cannot be reached (not started, crashed, network)."""


class EngineRefusing(GraphUnavailable):
    """The engine is up but refuses statements for now (`OOM`, `MISCONF`, `READONLY`, ...),
    until memory or disk is freed or it is a primary again.

    Attributes:
        reason: the engine's code for the refusal (its first word), never its text.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"the graph engine refuses statements for now ({reason})")
        self.reason = reason


class GraphBusy(GraphUnavailable):
    """Every connection to the engine stayed in use for the whole wait: try again shortly."""


class ConstraintViolation(GraphError):
    """A statement would break a uniqueness constraint; nothing was written."""


class EngineLocked(GraphError):
    """Another process owns the embedded engine's data directory and is not answering."""


class StatementTimedOut(GraphError):
    """The engine stopped a statement that ran past its time (graph/deadline.py); a write
    stopped so was rolled back whole."""
