"""Background execution of matching rounds.

``enqueue_round(app, round_id)`` runs ``rounds.run_round`` away from the web request:

* When ``REDIS_URL`` is set, the round goes on the RQ queue ``hexqi-rounds`` (override with the
  ``HEXQI_RQ_QUEUE`` config key). Start a worker with the same environment as the web app
  (``DATABASE_URL`` naming the same database)::

      rq worker hexqi-rounds --url "$REDIS_URL"
      # or, reading the app's settings:  flask --app hexqi worker

  The job builds its own app with ``create_app()``, so the worker needs no Flask context.
* Otherwise a daemon thread with its own app context runs the round in the web process. The
  round's progress is written to its row in separate short transactions either way, so the
  round page can poll ``status.json``.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

QUEUE = "hexqi-rounds"


def queue_name(app: Flask) -> str:
    return str(app.config.get("HEXQI_RQ_QUEUE") or QUEUE)


def job_timeout(app: Flask) -> int:
    """Seconds RQ lets a round run: the matcher's limit plus room to read and save."""
    return int(app.config.get("MATCHING_TIME_LIMIT", 20)) * 3 + 300


def enqueue_round(app: Flask, round_id: int) -> Any:
    """Start the round in the background; returns the RQ job or the thread."""
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        queue = Queue(queue_name(app), connection=Redis.from_url(url))
        return queue.enqueue(run_round_job, round_id, job_timeout=job_timeout(app),
                             description=f"HexQI matching round {round_id}",
                             result_ttl=3600, failure_ttl=7 * 86400)
    thread = threading.Thread(target=_run_in_thread, args=(app, round_id), daemon=True,
                              name=f"hexqi-round-{round_id}")
    thread.start()
    return thread


def _run_in_thread(app: Flask, round_id: int) -> None:
    from hexqi.extensions import db
    from hexqi.services.rounds import run_round

    with app.app_context():
        try:
            run_round(round_id)
        except Exception:  # run_round records matcher failures; this is the last resort
            app.logger.exception("matching round %s could not run", round_id)
        finally:
            db.session.remove()


def run_round_job(round_id: int) -> str:
    """The RQ job: a fresh app (settings from the worker's environment) runs the round."""
    from hexqi import create_app
    from hexqi.extensions import db
    from hexqi.services.rounds import run_round

    app = create_app()
    with app.app_context():
        try:
            rnd = run_round(round_id)
            return f"round {round_id}: {rnd.status.value}: {rnd.message}"
        finally:
            db.session.remove()
            db.engine.dispose()
