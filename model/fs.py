"""Where a store's files live: a local folder (the default) or an S3-compatible object store (`s3://bucket/prefix`).

`location(root)` gives a `pathlib.Path` for a folder and an `ObjectPath` for an object-store URL. An ObjectPath has the
part of pathlib's interface the store uses (`/`, name, parent, exists, iterdir, glob, read_bytes, write_bytes ...), so
code that reads and writes whole files works on both. The few steps that must stay atomic across processes and
machines have their own functions here: `write_atomic` (readers see the old file or the new one), `create_once` (never
replaces: release manifests, raw files, secrets) and `lock` (a file lock on local disk; on an object store a lease
taken with a conditional write, If-None-Match / If-Match, so two servers cannot both hold it).

The object store is reached through obstore (Rust's object_store, the crate deltalake itself uses), configured from
the environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (and any other AWS_* variable
object_store reads). An http:// endpoint (a test server on loopback, a MinIO on the same network) is allowed.
"""
from __future__ import annotations

import fnmatch
import functools
import io
import json
import os
import posixpath
import tempfile
import time
import uuid
from pathlib import Path, PurePosixPath

SCHEMES = ("s3://",)


def is_remote(root) -> bool:
    """True for an object-store location (an ObjectPath or an s3:// URL)."""
    return isinstance(root, ObjectPath) or (isinstance(root, str) and root.startswith(SCHEMES))


def location(root) -> "Path | ObjectPath":
    """A local folder as a Path, an s3://bucket/prefix URL as an ObjectPath."""
    if isinstance(root, ObjectPath):
        return root
    s = os.fspath(root) if not isinstance(root, str) else root
    if s.startswith("s3://"):
        bucket, _, key = s[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"{s!r} names no bucket: write the data location as s3://bucket/prefix.")
        return ObjectPath(bucket, key)
    return Path(s)


def _endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT") or ""


@functools.lru_cache(maxsize=16)
def _client(bucket: str, endpoint: str):
    from obstore.store import S3Store

    # credentials, region and endpoint come from the environment (S3Store reads the AWS_* variables itself)
    opts = {"allow_http": True} if endpoint.startswith("http://") else {}
    return S3Store(bucket, client_options=opts, conditional_put="etag")


def storage_options(path) -> dict | None:
    """deltalake's storage_options for a table at `path`: None on local disk; on S3 the endpoint and atomic commits by
    conditional put (If-None-Match on each commit file), so two writers never both take one table version."""
    if not is_remote(path):
        return None
    opts = {"conditional_put": "etag"}
    ep = _endpoint()
    if ep:
        opts["AWS_ENDPOINT_URL"] = ep
        if ep.startswith("http://"):
            opts["AWS_ALLOW_HTTP"] = "true"
    return opts


class ObjectPath:
    """A file or a folder (a key prefix) in an S3 bucket, with the pathlib calls the store uses."""

    __slots__ = ("bucket", "key")

    def __init__(self, bucket: str, key: str = ""):
        self.bucket = bucket
        self.key = posixpath.normpath(key).lstrip("/") if key.strip("/") else ""
        if self.key == ".":
            self.key = ""

    # ---------- naming
    def __truediv__(self, part) -> "ObjectPath":
        part = os.fspath(part) if not isinstance(part, str) else part
        return ObjectPath(self.bucket, f"{self.key}/{part}" if self.key else part)

    def joinpath(self, *parts) -> "ObjectPath":
        out = self
        for p in parts:
            out = out / p
        return out

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"

    def __repr__(self) -> str:
        return f"ObjectPath({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ObjectPath) and (self.bucket, self.key) == (other.bucket, other.key)

    def __lt__(self, other) -> bool:
        return str(self) < str(other)

    def __hash__(self) -> int:
        return hash((self.bucket, self.key))

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name

    @property
    def stem(self) -> str:
        return PurePosixPath(self.key).stem

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.key).suffix

    @property
    def suffixes(self) -> list[str]:
        return PurePosixPath(self.key).suffixes

    @property
    def parent(self) -> "ObjectPath":
        return ObjectPath(self.bucket, posixpath.dirname(self.key))

    def with_suffix(self, suffix: str) -> "ObjectPath":
        return ObjectPath(self.bucket, str(PurePosixPath(self.key).with_suffix(suffix)))

    def with_name(self, name: str) -> "ObjectPath":
        return self.parent / name

    def relative_to(self, other: "ObjectPath") -> PurePosixPath:
        return PurePosixPath(self.key).relative_to(other.key)

    def resolve(self) -> "ObjectPath":
        return self

    def is_symlink(self) -> bool:
        return False

    # ---------- reading
    @property
    def _store(self):
        return _client(self.bucket, _endpoint())

    def read_bytes(self) -> bytes:
        import obstore

        return bytes(obstore.get(self._store, self.key).bytes())  # FileNotFoundError when there is none

    def read_text(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self.read_bytes().decode(encoding, errors)

    def open(self, mode: str = "rb", encoding: str | None = None):
        if mode in ("rb", "r"):
            buf = io.BytesIO(self.read_bytes())
            return buf if mode == "rb" else io.TextIOWrapper(buf, encoding=encoding or "utf-8")
        if mode == "wb":
            return _Upload(self)
        raise ValueError(f"an object is opened whole for reading ('rb') or writing ('wb'), not {mode!r}")

    def is_file(self) -> bool:
        import obstore

        try:
            obstore.head(self._store, self.key)
            return True
        except FileNotFoundError:
            return False

    def is_dir(self) -> bool:
        import obstore

        for batch in obstore.list(self._store, prefix=self.key or None, chunk_size=1):
            return any(o["path"] != self.key for o in batch)
        return False

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def iterdir(self):
        import obstore

        got = obstore.list_with_delimiter(self._store, prefix=self.key or None)
        names = {p.rsplit("/", 1)[-1] for p in got["common_prefixes"]} | {o["path"].rsplit("/", 1)[-1] for o in got["objects"]}
        return iter(self / n for n in sorted(names))

    def glob(self, pattern: str):
        """Children matching a pattern of one path segment (what the store asks for: `<sha>*`)."""
        return iter(p for p in self.iterdir() if fnmatch.fnmatchcase(p.name, pattern))

    def walk_files(self) -> list["ObjectPath"]:
        import obstore

        out = []
        for batch in obstore.list(self._store, prefix=self.key or None):
            out += [ObjectPath(self.bucket, o["path"]) for o in batch]
        return out

    def stat_size(self) -> int:
        import obstore

        return int(obstore.head(self._store, self.key)["size"])

    # ---------- writing (each put replaces the whole object: readers see the old one or the new one)
    def write_bytes(self, data: bytes) -> int:
        import obstore

        obstore.put(self._store, self.key, bytes(data))
        return len(data)

    def write_text(self, text: str, encoding: str = "utf-8") -> int:
        return self.write_bytes(text.encode(encoding))

    def mkdir(self, *args, **kwargs) -> None:
        """An object store has no folders: a key prefix exists as soon as an object is written under it."""

    def unlink(self, missing_ok: bool = False) -> None:
        import obstore

        if not missing_ok and not self.is_file():
            raise FileNotFoundError(str(self))
        obstore.delete(self._store, self.key)

    def chmod(self, mode: int) -> None:
        """Access to a bucket is set by its policy and the credentials, not per object."""


class _Upload(io.BytesIO):
    """A file opened for writing on an object store: the object is put whole when the file is closed."""

    def __init__(self, target: ObjectPath):
        super().__init__()
        self._target = target

    def close(self) -> None:
        if not self.closed:
            self._target.write_bytes(self.getvalue())
        super().close()


# ---------- operations that stay atomic on both kinds of location
def fsync_dir(path: Path) -> None:
    """Flush a local folder's entries to disk, so that a rename or link just made in it survives a power cut (a
    filesystem that cannot fsync a folder is left as it is)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def _flushed_temp(folder: Path, data: bytes) -> str:
    """Write bytes to a new owner-only temporary file in `folder` (made if missing) and flush it to disk: its path,
    for the caller to rename or link into place and then remove. Nothing is left behind if the write fails."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_atomic(path, data: bytes) -> None:
    """Replace a file whole: readers see the old bytes or the new ones, never half. Local files are owner-only (0600)."""
    if isinstance(path, ObjectPath):
        path.write_bytes(data)
        return
    path = Path(path)
    tmp = _flushed_temp(path.parent, data)
    try:
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def create_once(path, data: bytes, mode: int = 0o600) -> bool:
    """Write a file only if there is none yet (If-None-Match on an object store, a hard link on disk): True if this call
    wrote it, False if it was already there. Two processes racing to write it never both win."""
    if isinstance(path, ObjectPath):
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        try:
            obstore.put(path._store, path.key, bytes(data), mode="create")
            return True
        except (AlreadyExistsError, PreconditionError):
            return False
    path = Path(path)
    tmp = _flushed_temp(path.parent, data)
    try:
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)  # fails if the file exists
        except FileExistsError:
            return False
        fsync_dir(path.parent)
        return True
    finally:
        os.unlink(tmp)


def remove_tree(path) -> None:
    """Delete a folder and everything in it (on an object store: every object under the prefix)."""
    if isinstance(path, ObjectPath):
        import obstore

        keys = [p.key for p in path.walk_files()]
        for i in range(0, len(keys), 1000):
            obstore.delete(path._store, keys[i:i + 1000])
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def read_parquet(path, **kwargs):
    """A Parquet file as an Arrow table, from disk or from an object store (read whole into memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(path, ObjectPath):
        return pq.read_table(pa.BufferReader(path.read_bytes()), **kwargs)
    return pq.read_table(path, **kwargs)


def write_parquet(table, path, **kwargs) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(path, ObjectPath):
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **kwargs)
        path.write_bytes(sink.getvalue().to_pybytes())
        return
    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pq.write_table(table, path, **kwargs)


# ---------- locks
class Lease:
    """A lock shared by every server of one object store: an object created with If-None-Match holds it; a holder that
    died is taken over once its lease has expired, with If-Match on the object it left (so only one taker wins).

    Used like filelock.FileLock: `with lease.acquire(timeout=60): ...`; a timeout raises filelock.Timeout."""

    def __init__(self, path: ObjectPath, ttl: float = 900.0):
        self.path, self.ttl = path, ttl
        self.owner = uuid.uuid4().hex
        self._held = 0

    def _body(self) -> bytes:
        return json.dumps({"owner": self.owner, "pid": os.getpid(), "host": os.uname().nodename, "expires": time.time() + self.ttl}).encode()

    def _try(self) -> bool:
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        store, key = self.path._store, self.path.key
        try:
            obstore.put(store, key, self._body(), mode="create")
            return True
        except (AlreadyExistsError, PreconditionError):
            pass
        try:
            got = obstore.get(store, key)
            doc = json.loads(bytes(got.bytes()))
            tag = got.meta["e_tag"]
        except FileNotFoundError:
            return False  # released meanwhile: the next try creates it
        except ValueError:
            doc, tag = {}, None
        if float(doc.get("expires", 0)) > time.time() or tag is None:
            return False
        try:  # an expired lease: its holder died; take it over, unless another taker was quicker
            obstore.put(store, key, self._body(), mode={"e_tag": tag})
            return True
        except (AlreadyExistsError, PreconditionError, FileNotFoundError):
            return False

    def acquire(self, timeout: float = -1, poll_interval: float = 0.05):
        if self._held:
            self._held += 1
            return _Held(self)
        start = time.monotonic()
        wait = poll_interval
        while not self._try():
            if 0 <= timeout <= time.monotonic() - start:
                from filelock import Timeout

                raise Timeout(str(self.path))
            time.sleep(wait)
            wait = min(wait * 1.5, 0.5)
        self._held = 1
        return _Held(self)

    def release(self) -> None:
        self._held = max(0, self._held - 1)
        if self._held:
            return
        try:
            doc = json.loads(self.path.read_bytes())
        except (FileNotFoundError, ValueError):
            return
        if doc.get("owner") == self.owner:  # never remove a lease another server took over after ours expired
            self.path.unlink(missing_ok=True)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


class _Held:
    def __init__(self, lease: Lease):
        self.lease = lease

    def __enter__(self):
        return self.lease

    def __exit__(self, *exc):
        self.lease.release()
        return False


def lock(path, ttl: float = 900.0, mode: int = 0o600):
    """A lock at `path` that every process using the location respects: filelock on disk, a Lease on an object store
    (`ttl`: seconds after which a holder that died is presumed gone)."""
    if isinstance(path, ObjectPath):
        return Lease(path, ttl)
    from filelock import FileLock

    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return FileLock(str(path), mode=mode)


def work_dir(root, sub: str) -> Path:
    """A folder on this server's own disk for what never needs sharing (error logs, an upload being checked, a draft's
    preview): `sub` in the data folder itself when it is local; for an object store, under $BRIDGES_WORK_DIR (default:
    the system's temporary folder)/bridges/<bucket>/<prefix>/."""
    if not is_remote(root):
        return Path(root) / sub
    where = location(root)
    base = Path(os.environ.get("BRIDGES_WORK_DIR") or tempfile.gettempdir()) / "bridges" / where.bucket
    return base.joinpath(*[p for p in where.key.split("/") if p not in ("", ".", "..")], sub)


def upload_file(local: Path, dest) -> None:
    """Copy a local file to `dest` (streamed in parts to an object store)."""
    if isinstance(dest, ObjectPath):
        import obstore

        obstore.put(dest._store, dest.key, Path(local))
        return
    import shutil

    shutil.copyfile(local, dest)
