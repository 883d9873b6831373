"""A real worker (``python job_pause_worker.py URL [PARTS]``) whose claims builds stop at
their last claim, before that claim's transaction commits, print ``paused`` and wait to be
killed: the test kills it there with SIGKILL and checks that another worker finishes the job
exactly once. ``PARTS``: sessions per part of a build on SQLite (``jobs.BUILD_CHUNK_SESSIONS``),
so the parts before the last are committed when it is killed."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from typing import Any

from therabill.store.services import jobs, open_store


def main(url: str, parts: int | None) -> None:
    real = jobs.KINDS["claims-build"]
    if parts is not None:
        jobs.BUILD_CHUNK_SESSIONS = parts

    def paused(units: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress(done, total)
            if done == total:  # the last claim drafted, its transaction not committed
                print("paused", flush=True)
                time.sleep(120)

        return real.run(units, dataclasses.replace(job, progress=progress))

    jobs.KINDS["claims-build"] = dataclasses.replace(real, run=paused)
    if url.startswith("sqlite"):
        jobs.work_sqlite(open_store(url), stop=threading.Event(), poll=0.1)
    else:
        from therabill.store.services import job_queue

        job_queue.run_worker(url, stalled_after=1.0, heartbeat=0.2, sweep_every=60)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
