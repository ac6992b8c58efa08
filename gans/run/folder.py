"""A run folder's housekeeping: the lock that keeps one trainer per folder, and stale temp files."""
import fcntl
import os
from pathlib import Path

LOCK_NAME = ".lock"


class RunLock:
    """An exclusive lock on a run folder, held while a trainer writes into it.

    ``flock`` is released by the OS when the process dies, so a crashed run leaves no stale lock.
    """

    def __init__(self, folder):
        self.path = Path(folder) / LOCK_NAME
        self.handle = None

    def __enter__(self):
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise FileExistsError(f"{self.path.parent} is being trained by another process "
                                  f"(it holds {self.path}); wait for it or pick another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def remove_temp_files(folder):
    """Delete the temp files an atomic write killed midway left behind (``.NAME.XXXX.tmp``)."""
    removed = []
    for path in Path(folder).rglob(".*.tmp"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
