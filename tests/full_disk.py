"""A file on a disk that fills up: the scoring tests of both engines replace `open` with it to see what a run
says and keeps when the disk is full."""

import os


class FullDisk:
    """A file on a disk that fills up after `room` more bytes: a write takes what fits, then raises ENOSPC, as the
    kernel does."""

    def __init__(self, handle, room: int = 0):
        self.handle, self.room = handle, room

    def write(self, data):
        if len(data) > self.room:
            self.handle.write(data[:self.room])
            self.handle.flush()
            self.room = 0
            raise OSError(28, os.strerror(28))
        self.room -= len(data)
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()
