"""Reads uploads in a worker process with memory and time limits, so a hostile file can end only that process, never the server."""
from __future__ import annotations

import contextlib
import importlib
import io
import multiprocessing as mp
import os
import resource
import signal
import threading
import time
import traceback
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from pathlib import Path

from model import fs
from model.errors import InputError
from store import logs, settings

# imported once by the fork server, so each worker starts in milliseconds with the readers already loaded
PRELOAD = ["loaders.ingest", "loaders.suggest", "store.versioned", "store.uploads"]
LOG = "upload-worker.log"  # the workers' own stderr (a reader's crash report), in the data folder's logs/
LIMIT_KEYS = ("max_cells", "max_columns")  # the [upload] settings the readers apply (loaders.limits)
_MEMORY_SIGNALS = (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS)  # how a reader dies when an allocation fails
_context = None
_SERVER_LOCK = threading.Lock()
# the workers reading at once in this process (the server): each may take worker_memory_mb, so N analysts uploading at once
# may not start N of them; past [upload] max_workers an upload waits up to worker_wait_seconds for one to finish
_SLOTS = threading.Condition()
_busy = 0
_CHECKOUT = Path(__file__).resolve().parent.parent


class WorkerError(RuntimeError):
    """A worker failed in a way that is not the input's fault (a bug): its traceback is the __cause__."""


class WorkersBusy(InputError):
    """Every upload reader of this server was busy for as long as an upload may wait: it was not read (try again soon)."""


class _RemoteTraceback(Exception):
    def __str__(self) -> str:
        return "\n\nthe worker's traceback:\n" + (self.args[0] if self.args else "")


def _ctx():
    """The fork-server context: workers are forked from a clean single-threaded process, never from the server's threads.
    Python 3.11's fork server does not take the parent's sys.path, so it is started with the checkout on PYTHONPATH, or
    the readers would not preload and each worker would import them again (seconds instead of milliseconds)."""
    global _context
    if _context is None:
        _context = mp.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    from multiprocessing import forkserver

    with _SERVER_LOCK:
        was = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(_CHECKOUT), was) if p)
        try:
            forkserver.ensure_running()  # at once when it runs; else started with this environment
        finally:
            if was is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = was
    return _context


class _Popen(popen_forkserver.Popen):
    """The fork server's Popen, without the parent's main module. In a Streamlit server __main__ is the script the session
    runs (Streamlit's script runner installs it), and multiprocessing would run that script again in every worker as
    __mp_main__, before the worker confines itself: Streamlit imported and the app drawn in bare mode, a second or more
    an upload. A worker needs only its target, which it imports by name. This is Python 3.11's Popen._launch with the two
    main-module entries left out of the preparation data."""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)  # the child's sentinel of its parent, as in the standard library
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _WorkerProcess(context.ForkServerProcess):
    """A fork-server process started by _Popen (no main module of the parent's run again in it)."""

    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def limits(root) -> dict:
    """The [upload] limits of the store at `root` (data/analyst.toml over store.settings' defaults)."""
    return settings.section(root, "upload")


def busy() -> int:
    """How many workers this process has reading now."""
    return _busy


@contextlib.contextmanager
def slot(root, file: str = "the file"):
    """One of this server's [upload] max_workers reading slots, held for the block. When all are taken it waits up to
    [upload] worker_wait_seconds for one to free (a short queue), then raises WorkersBusy, a sentence for the analyst."""
    global _busy
    lim = limits(root)
    deadline = time.monotonic() + lim["worker_wait_seconds"]
    with _SLOTS:
        while _busy >= lim["max_workers"]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkersBusy(f"another upload is being read on this server (all {lim['max_workers']:,} of its upload readers are "
                                  "busy), so this one was not read", "Try again in a minute; if this happens often, ask the administrator "
                                  "to raise [upload] max_workers in data/analyst.toml (each reader may take [upload] worker_memory_mb "
                                  "of memory).", file=file)
            _SLOTS.wait(left)
        _busy += 1
    try:
        yield
    finally:
        with _SLOTS:
            _busy -= 1
            _SLOTS.notify_all()


def run(root, target: str, *args, file: str | None = None, progress=None, **kwargs):
    """`target` ("package.module:function") called with args and kwargs in a worker process, with the store's limits; its
    return value. An InputError raised in the worker is raised here as it was; a limit reached is an InputError naming the
    limit and the setting that raises it; any other failure is a WorkerError. `progress(stage)`, if given, is passed to the
    target as its `progress` and called here each time the worker calls it. `file` names the input in messages (default:
    the first argument's file name). A worker that is stopped leaves nothing half-written in the store. At most [upload]
    max_workers run at once in this process; past that a call waits its turn (slot), then says the readers are busy."""
    name = file or (Path(args[0]).name if args and isinstance(args[0], (str, os.PathLike)) else "the file")
    with slot(root, name):
        return _run(root, target, args, kwargs, name, progress)


def _run(root, target: str, args: tuple, kwargs: dict, name: str, progress):
    lim = limits(root)
    ctx = _ctx()
    recv, send = ctx.Pipe(duplex=False)
    proc = _WorkerProcess(target=_work, args=(send, str(root), target, args, kwargs, progress is not None, lim), daemon=True,
                       name="bridges-upload-worker")
    proc.start()
    send.close()
    deadline = time.monotonic() + lim["worker_seconds"]
    outcome = None
    try:
        while outcome is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not recv.poll(min(left, 1.0)):
                continue
            try:
                kind, value = recv.recv()
            except (EOFError, OSError):  # the worker died without a word: judged by its exit below
                break
            if kind == "stage":
                progress(value)
            else:
                outcome = (kind, value)
    finally:
        if outcome is None and proc.is_alive():
            proc.kill()
        proc.join(10 if outcome else None)
        if proc.is_alive():  # it answered but will not end: it holds nothing we need
            proc.kill()
            proc.join()
        recv.close()
        if outcome is None or outcome[0] != "ok":
            _discard_partial(root, proc.pid)
    if outcome is None:
        if time.monotonic() >= deadline:
            raise InputError(f"reading it took longer than the {lim['worker_seconds']:,} seconds this server gives one upload, so it was stopped",
                             "Upload a smaller file (one quarter at a time), or ask the administrator to raise [upload] worker_seconds "
                             "in data/analyst.toml.", file=name)
        code = proc.exitcode
        if code is not None and code < 0 and -code in _MEMORY_SIGNALS:
            raise _memory_error(name, lim)
        raise InputError(f"the reader stopped on this file without finishing (exit code {code})",
                         "Open it in the program that made it, save it again, and upload that; if it happens again, send the file to the developers.",
                         file=name)
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "input":
        raise value
    if kind == "memory":
        raise _memory_error(name, lim)
    type_name, message, tb = value
    raise WorkerError(f"{type_name}: {message}") from _RemoteTraceback(tb)


def _memory_error(name: str, lim: dict) -> InputError:
    return InputError(f"reading it needed more than the {lim['worker_memory_mb']:,} MB of memory this server gives one upload, so it was stopped",
                      "Upload a smaller file (one quarter at a time), or save a workbook as CSV (it takes far less memory); if the file "
                      "is an ordinary export, ask the administrator to raise [upload] worker_memory_mb in data/analyst.toml.", file=name)


def _discard_partial(root, pid: int | None) -> None:
    """Remove what a stopped worker was writing: its temporary raw copy and draft folder (named by its process id)."""
    import shutil

    if pid is None:
        return
    for folder in ("raw", "drafts"):
        for p in fs.work_dir(root, folder).glob(f".tmp-{pid}-*"):  # the folder itself, or this server's disk for an object store
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


# ---------------------------------------------------------------- in the worker process

def _address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _confine(root: str, lim: dict) -> None:
    """Limits of this worker: memory (address space: what it starts with plus worker_memory_mb), CPU time, no core
    file, owner-only files (as the store makes them), and stderr into the data folder's log (a reader's crash report
    never reaches an analyst's terminal)."""
    os.umask(0o077)
    try:
        fd = logs.open_log(root, LOG)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cap = _address_space() + (int(lim["worker_memory_mb"]) << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = int(lim["worker_seconds"]) + 30  # the parent's wall clock stops it first; this stops a worker whose parent is gone
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    from loaders import limits as reader_limits

    reader_limits.LIMITS = reader_limits.Limits(**{k: int(lim[k]) for k in LIMIT_KEYS})


def _work(conn, root: str, target: str, args: tuple, kwargs: dict, with_progress: bool, lim: dict) -> None:
    """The worker's body: confine itself, run the target, send back ("ok", value) or what went wrong."""
    try:
        _confine(root, lim)
        module, _, func = target.partition(":")
        fn = getattr(importlib.import_module(module), func)
        if with_progress:
            kwargs = {**kwargs, "progress": lambda stage: conn.send(("stage", stage))}
        conn.send(("ok", fn(*args, **kwargs)))
    except InputError as exc:
        conn.send(("input", exc))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # handed to the parent, which logs it and says something went wrong
        conn.send(("error", (type(exc).__name__, " ".join(str(exc).split())[:500], traceback.format_exc())))
    finally:
        conn.close()
