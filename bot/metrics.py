"""Prometheus metrics: events received, handler latency, deliveries by status and platform,
queue depth, 429s, share intents and clicks.

Labels are closed sets only (platforms, event types, registered routes, networks): never
user text, ids or emails, so a scrape stays small and says nothing about anyone.

Counters live in the process that does the work (``elci serve`` or ``elci worker``); the
queue depth is read from the ledger at scrape time, so any process shows the whole queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
DELIVERIES = Counter(
    "elci_deliveries",
    "Campaign deliveries finished by this process, by platform and outcome.",
    ["platform", "status"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "elci_rate_limited",
    "Sends a platform answered with 429 (rate limited), by platform.",
    ["platform"],
    registry=REGISTRY,
)
EVENTS = Counter(
    "elci_events_received",
    "Neutral events that reached the core, by platform and event type.",
    ["platform", "type"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "elci_handler_seconds",
    "Time to handle one event, by kind (command, action, form, message …) and route.",
    ["kind", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter(
    "elci_handler_errors",
    "Events whose handler raised, by kind and route.",
    ["kind", "route"],
    registry=REGISTRY,
)
SHARE_INTENTS = Counter(
    "elci_share_intents",
    "Share intents (/s/ links followed) stored by this process, by network.",
    ["network"],
    registry=REGISTRY,
)
CLICKS = Counter(
    "elci_clicks",
    "Clicks on shared links (/r/) stored by this process, by network and whether a person "
    "(not a previewer or scanner) clicked.",
    ["network", "human"],
    registry=REGISTRY,
)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class QueueDepth(Collector):
    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "elci_delivery_queue_depth",
            "Deliveries pending or in flight in the ledger, by platform.",
            labels=["platform"],
        )
        for platform, depth in sorted(self.read().items()):
            gauge.add_metric([platform or "none"], depth)
        yield gauge


def exposition(read_queue: Callable[[], dict[str, int]]) -> bytes:
    """The Prometheus text for this process, with the queue depth read now."""
    registry = CollectorRegistry()
    registry.register(QueueDepth(read_queue))
    return generate_latest(REGISTRY) + generate_latest(registry)


def route(read_queue: Callable[[], dict[str, int]]) -> Callable[[Any], Awaitable[Any]]:
    """``GET /metrics`` for the aiohttp app; the ledger is read off the event loop."""
    from aiohttp import web

    async def metrics(_request: web.Request) -> web.Response:
        body = await asyncio.to_thread(exposition, read_queue)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return metrics
