"""Executors: groups in turn, in local processes (``n_jobs``), or as Dask tasks.

Each calls ``handle(result)`` in this process as a group finishes, so the run folder has one
writer whatever runs the groups.
"""

from __future__ import annotations

import os

from ..errors import InvalidOptionError
from .group import train_group

_WORKER_DATA = {}


class MissingDependencyError(InvalidOptionError, ImportError):
    """An option that needs a package that is not installed (the message says how to add it)."""


def _init_worker(data):
    import signal

    # Ctrl-C reaches the whole process group: the parent stops the sweep and ends its
    # workers, which should not each print a KeyboardInterrupt traceback meanwhile
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_DATA["data"] = data


def _train_in_worker(task):
    return train_group(task, _WORKER_DATA["data"])


def _execute(tasks, data, scheduler, n_jobs, handle):
    """Run every task, calling ``handle(result)`` as each finishes; returns when all did."""
    if scheduler is not None:
        return _execute_dask(tasks, data, scheduler, handle)
    if n_jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            handle(train_group(task, data))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: JAX's threads do not survive a fork
    pool = ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), initializer=_init_worker,
                               initargs=(data,), mp_context=multiprocessing.get_context("spawn"))
    futures = [pool.submit(_train_in_worker, t) for t in tasks]
    try:
        for future in as_completed(futures):
            handle(future.result())
    except BaseException:
        # stopped (Ctrl-C, SIGTERM, an error): end the running groups now rather than wait for
        # them; their results would be dropped anyway, and only this process writes the folder
        for future in futures:
            future.cancel()
        for process in dict(getattr(pool, "_processes", None) or {}).values():
            _terminate(process)  # ProcessPoolExecutor has no public way to end its workers
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(process):
    if process is not None and process.is_alive():
        process.terminate()


def _check_scheduler(scheduler):
    """Fail before any training on a scheduler that is neither an address nor a client."""
    if scheduler is None:
        return
    if not isinstance(scheduler, str) and not (hasattr(scheduler, "submit")
                                               and hasattr(scheduler, "scatter")):
        raise InvalidOptionError(f"scheduler must be an address like 'tcp://host:8786' or a "
                        f"dask.distributed.Client, got {type(scheduler).__name__}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise MissingDependencyError("a Dask scheduler needs dask.distributed, which is not "
                                     "installed: pip install 'nnfit[dask]'") from None


def _client(scheduler):
    import distributed

    if isinstance(scheduler, str):
        try:
            return distributed.Client(scheduler), True
        except (OSError, TimeoutError, ValueError) as err:
            raise InvalidOptionError(f"cannot reach the Dask scheduler at {scheduler!r} "
                                     f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}); "
                                     "start it (dask scheduler) or give its address as "
                                     "tcp://HOST:8786") from None
    return scheduler, False


def _execute_dask(tasks, data, scheduler, handle):
    import distributed

    client, own = _client(scheduler)
    futures = []
    try:
        [shared] = client.scatter([data], broadcast=True)
        futures = [client.submit(train_group, t, shared, pure=False,
                                 key=f"nnfit-{t['group_id']}-{i}-{os.urandom(4).hex()}")
                   for i, t in enumerate(tasks)]
        for future in distributed.as_completed(futures):
            handle(future.result())
    finally:
        for future in futures:
            if not future.done():
                future.cancel()
        if own:
            client.close()
