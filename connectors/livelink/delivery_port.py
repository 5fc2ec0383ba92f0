"""The outbox's delivery port: what a destination of outbox items promises the worker.

The outbox (`connectors/livelink/outbox.py`) is not Livelink's alone: any side effect
outside the graph is written as an `OutboxItem` with a `kind` in the same statement as
the record it follows from, and delivered later by the worker. Each destination is a
port that names the kinds it delivers; the worker gives every port its own circuit
breaker (an outage of one system never holds up another) and the same leases,
back-off, FAILED parking, replay and backlog. Livelink filing is one port
(`connectors/livelink/filing_delivery.py`), the requests for early help sent back to
EHM another (`connectors/ehm/delivery.py`).

A port promises:

* delivery is idempotent by the item id: a retry after a lost reply, or a takeover
  after a crash, finds what was delivered instead of delivering it twice;
* errors say whether retrying can help (`DeliveryUnavailable`) or never will
  (`DeliveryRejected`, which parks the item as FAILED for a person); their text is
  kept on the item for records officers, so it names the step and a code (an HTTP
  status with `status_text`), never data the destination or the item carries;
* on success it names the statement (and parameters beyond `$itemId` and `$now`) that
  marks the item delivered, written by the worker once the destination has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from graph.kept_errors import status_text

if TYPE_CHECKING:
    from graph import Params, Row

__all__ = ["DeliveryPort", "DeliveryRejected", "DeliveryUnavailable", "status_text"]


class DeliveryUnavailable(Exception):
    """The destination cannot take the item now (down, timed out, overloaded); retry later.

    Attributes:
        retry_after_seconds: how long the destination asked us to wait before calling
            again (an HTTP ``Retry-After``), or None when it did not say.
        destination_answered: the destination is up and answered, but this item cannot
            be delivered yet (a folder too long to list): retried, without counting
            towards the circuit that holds every item back during an outage.
    """

    destination_answered: bool = False

    def __init__(self, message: str, *, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DeliveryRejected(Exception):
    """The destination refused this item and would refuse it again: poison, do not retry."""


class DeliveryPort(Protocol):
    """A destination of outbox items."""

    @property
    def name(self) -> str:
        """The destination, in logs and breaker states (no personal data)."""
        ...

    @property
    def kinds(self) -> frozenset[str]:
        """The outbox item kinds this port delivers."""
        ...

    async def deliver(self, item: Row) -> tuple[str, Params]:
        """Deliver one claimed item (`id`, `kind`, `attempts`, `createdAt`).

        Returns:
            The statement that marks the item delivered and its parameters (the worker
            adds `itemId` and `now`).

        Raises:
            DeliveryUnavailable: retry later.
            DeliveryRejected: park the item as FAILED.
        """
        ...
