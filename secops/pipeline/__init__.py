"""The pipeline stage: the worker that carries records from the spool to the store."""

from secops.pipeline.detection import AlertWriter, Detector, NoDetection
from secops.pipeline.worker import Worker, WorkerConfig

__all__ = ["AlertWriter", "Detector", "NoDetection", "Worker", "WorkerConfig"]
