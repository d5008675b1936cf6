"""Periodic jobs: due ones run once, in one process at a time, on either store."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.jobs import Scheduler
from bot.router import Router
from storage.engine import session_scope
from storage.leases import JobLease


def job_router(runs: list[str], delay: float = 0.0) -> Router:
    router = Router()

    @router.every("test.tick", timedelta(minutes=10))
    async def tick(ctx) -> None:
        await asyncio.sleep(delay)
        runs.append("tick")

    return router


async def test_a_due_job_runs_once_then_waits_its_interval(make_services, engine) -> None:
    runs: list[str] = []
    scheduler = Scheduler(make_services(job_router(runs)))
    assert await scheduler.run_due() == ["test.tick"]
    assert await scheduler.run_due() == []
    assert runs == ["tick"]
    with session_scope(engine) as db:
        lease = db.get(JobLease, "test.tick")
        assert lease.holder is None and lease.last_run is not None
        lease.last_run -= timedelta(minutes=11)
        db.add(lease)
    assert await scheduler.run_due() == ["test.tick"]
    assert runs == ["tick", "tick"]


async def test_two_processes_never_run_the_same_job_together(make_services) -> None:
    runs: list[str] = []
    first = Scheduler(make_services(job_router(runs, delay=0.2)))
    second = Scheduler(make_services(job_router(runs)))
    second.holder = "another-host:1"
    ran = await asyncio.gather(first.run_due(), second.run_due())
    assert sorted(map(len, ran)) == [0, 1]
    assert runs == ["tick"]


def test_worker_runs_until_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "ELCI_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("elci")), "worker"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stderr is not None
    started = []
    for line in worker.stderr:  # SIGTERM once it runs (migrating may take a while)
        started.append(line)
        if '"message": "worker started"' in line:
            break
    worker.send_signal(signal.SIGTERM)
    _, rest = worker.communicate(timeout=20)
    stderr = "".join(started) + rest
    assert worker.returncode == 0, stderr
    assert '"message": "worker started"' in stderr and '"message": "stopped"' in stderr


async def test_seen_deliveries_are_forgotten_after_two_days(make_services, engine) -> None:
    from bot.compose import build_router
    from storage.dedup import SeenDelivery, first_sighting
    from storage.people import utcnow

    assert first_sighting(engine, "slack", "Ev-old") and first_sighting(engine, "slack", "Ev-new")
    with session_scope(engine) as db:
        old = db.get(SeenDelivery, ("slack", "Ev-old"))
        old.seen_at = utcnow() - timedelta(days=3)
        db.add(old)
    ran = await Scheduler(make_services(build_router())).run_due()
    assert "maintenance.seen-deliveries" in ran
    assert first_sighting(engine, "slack", "Ev-old")  # forgotten: would count as new
    assert not first_sighting(engine, "slack", "Ev-new")
