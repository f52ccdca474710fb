#!/usr/bin/env python3
"""The kernel's share of reading a tree, with no scanning at all: every regular file under ROOT
opened relative to its directory (openat), read whole in one call into one buffer, closed.

    /usr/bin/time -f '%U user %S sys' python3 scripts/scan_bench/read_floor.py ROOT

The *system* time it reports is what the kernel spends per file and per byte on this machine:
a floor for any scanner's system time on the same tree (a scanner also walks with ignore rules
and reads until end of file). Its user time is Python's and means nothing here.
"""
import os
import sys

# One buffer for every file (os.read would allocate one per call).
BUF = [bytearray(1 << 22)]


def walk(dir_fd: int) -> tuple[int, int]:
    files = size = 0
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=dir_fd)
                try:
                    f, s = walk(sub)
                finally:
                    os.close(sub)
                files, size = files + f, size + s
            elif entry.is_file(follow_symlinks=False):
                fd = os.open(entry.name, os.O_RDONLY, dir_fd=dir_fd)
                try:
                    size += os.readv(fd, BUF)
                finally:
                    os.close(fd)
                files += 1
    return files, size


def main() -> None:
    root = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
    files, size = walk(root)
    print(f"{files} files, {size} bytes")


if __name__ == "__main__":
    main()
