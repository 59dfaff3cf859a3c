"""Plugins' periodic jobs become Celery beat entries on their own queue and run by name."""

from __future__ import annotations

from core.hookspecs import PeriodicJob, hookimpl

calls: list[str] = []


class Ticker:
    @hookimpl
    def enclave_periodic_jobs(self, register):
        register(PeriodicJob(name="test.tick", run=lambda: calls.append("tick"), every_s=2.5,
                             queue="logistics"))


def test_beat_schedule_and_dispatch(register_plugin):
    from workers import celery_app

    register_plugin(Ticker())
    schedule = celery_app._beat_schedule()
    assert schedule["test.tick"] == {"task": celery_app.PERIODIC_TASK, "schedule": 2.5,
                                     "args": ["test.tick"], "options": {"queue": "logistics"}}
    celery_app.periodic("test.tick")
    assert calls == ["tick"]


def test_builtin_logistics_replanning_is_scheduled_every_15_s(enclave_home):
    from workers import celery_app

    entry = celery_app._beat_schedule().get("logistics.replan_sessions")
    assert entry is not None and entry["options"]["queue"] == "logistics"
    assert entry["schedule"] == 15.0
