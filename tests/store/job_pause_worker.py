"""A real worker (``python job_pause_worker.py URL``) whose claims builds stop after the
build's work, before its commit, print ``paused`` and wait to be killed: the test kills it
there with SIGKILL and checks that another worker finishes the job exactly once."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from typing import Any

from therabill.store.services import jobs, open_store
from therabill.store.services.context import UnitOfWork


def main(url: str) -> None:
    real = jobs.KINDS["claims-build"]

    def paused(work: UnitOfWork, job: jobs.Running) -> dict[str, Any]:
        result = real.run(work, job)
        work.db.flush()  # the claims are written, not committed
        print("paused", flush=True)
        time.sleep(120)
        return result

    jobs.KINDS["claims-build"] = dataclasses.replace(real, run=paused)
    if url.startswith("sqlite"):
        jobs.work_sqlite(open_store(url), stop=threading.Event(), poll=0.1)
    else:
        from therabill.store.services import job_queue

        job_queue.run_worker(url, stalled_after=1.0, heartbeat=0.2, sweep_every=60)


if __name__ == "__main__":
    main(sys.argv[1])
