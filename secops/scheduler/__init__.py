"""Scheduled work (APScheduler): retention, and later compliance checks, reports, heartbeats.

Jobs are plain functions of a Context; :func:`build_scheduler` binds them to their
intervals. Each job is guarded so that a failing run is logged and retried at the
next interval, never kills the scheduler.
"""

from secops.scheduler.jobs import build_scheduler

__all__ = ["build_scheduler"]
