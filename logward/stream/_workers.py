"""Scrub batches in worker processes (``--workers N``), so scrubbing and Kafka I/O
run on different cores.

Each worker builds its own engine from the same settings (same rules as the
logging filter) when it starts; batches go to the workers whole and come back
as the same outcomes ``Processor.process`` returns, in order. If a worker dies,
the batch is scrubbed again in the main process: nothing is lost and nothing
unscrubbed is written.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from logward.stream._processor import Processor
from logward.stream._record import InRecord, Outcome
from scrubber import load_scrubber

__all__ = ["ScrubPool", "WorkerSettings"]

log = logging.getLogger("logward.stream")

_processor: Processor | None = None


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker needs to build the same processor as the main process."""

    rules: str | None
    ner: bool
    ner_model: str | None
    max_record_bytes: int
    documents: bool


def _init(settings: WorkerSettings) -> None:
    global _processor
    engine = load_scrubber(settings.rules, ner=settings.ner, ner_model=settings.ner_model)
    _processor = Processor(
        engine,
        max_record_bytes=settings.max_record_bytes,
        batch_texts=settings.ner,
        documents=settings.documents,
    )


def _process(batch: list[InRecord]) -> list[Outcome]:
    if _processor is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("worker not initialised")
    return _processor.process(batch)


def _ready() -> bool:
    return _processor is not None


class ScrubPool:
    """A pool of scrubbing processes with an in-process fallback.

    Args:
        workers: number of processes (at least 1).
        settings: how each worker builds its engine.
        fallback: the main process's processor, used if the pool breaks.
    """

    def __init__(self, workers: int, settings: WorkerSettings, fallback: Processor) -> None:
        self.workers = workers
        self._fallback = fallback
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(settings,),
        )
        # Start every worker (and load its rules) before the first record arrives.
        for future in [self._pool.submit(_ready) for _ in range(workers)]:
            future.result()

    def submit(self, batch: list[InRecord]) -> Future[list[Outcome]]:
        """Start scrubbing ``batch``; the future's result is its outcomes."""
        if self._pool is not None:
            try:
                return self._pool.submit(_process, batch)
            except Exception as exc:  # broken pool: fall back for good
                self._broken(exc)
        done: Future[list[Outcome]] = Future()
        done.set_result(self._fallback.process(batch))
        return done

    def result(self, future: Future[list[Outcome]], batch: list[InRecord]) -> list[Outcome]:
        """The outcomes of ``batch``; scrubbed in-process if its worker failed."""
        try:
            return future.result()
        except Exception as exc:
            self._broken(exc)
            return self._fallback.process(batch)

    def _broken(self, exc: BaseException) -> None:
        log.error(
            "scrub worker failed (%s); scrubbing in the main process from now on",
            type(exc).__name__,
        )
        self.close()

    def close(self) -> None:
        """Stop the workers (idempotent)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
