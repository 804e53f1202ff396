"""gunicorn settings, read when gunicorn starts in the repository root
(``gunicorn -w 2 'hexqi:create_app()'``); command-line options still win."""

import gc


def post_worker_init(worker: object) -> None:
    """The objects made while a worker loads HexQI (models, metadata, templates: about
    120,000) live as long as the worker. Freeze them out of the garbage collector, so its full
    passes (about 65 ms each over those objects) stop pausing requests."""
    gc.collect()
    gc.freeze()
