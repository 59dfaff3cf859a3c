"""Folder watcher: every image that lands in a folder is inspected as soon as it is complete.

Cameras and PLC gateways write files progressively, so an image is only inspected once
its size has stopped changing; each one goes through ``run_task`` like any other job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from plugins.industrial.inspection.imageio import IMAGE_SUFFIXES


def wait_until_complete(path: Path, settle_s: float = 0.3, timeout_s: float = 30.0) -> bool:
    """True once ``path`` exists with a size unchanged for ``settle_s``; False on timeout."""
    deadline = time.monotonic() + timeout_s
    last = -1
    while time.monotonic() < deadline:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        if size == last and size > 0:
            return True
        last = size
        time.sleep(settle_s)
    return False


class _Handler(FileSystemEventHandler):
    def __init__(self, submit: Callable[[Path], None]) -> None:
        self.submit = submit
        self.seen: set[Path] = set()
        self.lock = threading.Lock()

    def _maybe(self, raw: str | bytes) -> None:
        path = Path(raw if isinstance(raw, str) else raw.decode())
        if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
            return
        with self.lock:
            if path in self.seen:
                return
            self.seen.add(path)
        threading.Thread(target=self._run, args=(path,), daemon=True).start()

    def _run(self, path: Path) -> None:
        if wait_until_complete(path):
            self.submit(path)

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._maybe(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._maybe(event.dest_path)


def inspect_path(path: Path, params: dict[str, Any], actor: str = "watch") -> tuple[Any, dict | None]:
    """Run ``industrial.inspect`` on one file through the one task path."""
    from core.runner import run_task
    return run_task("industrial.inspect", [path], params, actor=actor)


def watch_folder(folder: Path, params: dict[str, Any], on_result: Callable[[Path, Any, Any], None],
                 stop: threading.Event, existing: bool = False) -> None:
    """Inspect images arriving in ``folder`` until ``stop`` is set."""
    lock = threading.Lock()  # one inspection at a time: the store and the model are shared

    def submit(path: Path) -> None:
        with lock:
            try:
                job, payload = inspect_path(path, params)
            except Exception as exc:  # noqa: BLE001 - a bad file must not stop the watcher
                on_result(path, None, exc)
                return
            on_result(path, job, payload)

    handler = _Handler(submit)
    if existing:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                handler._maybe(str(path))
    observer = Observer()
    observer.schedule(handler, str(folder), recursive=False)
    observer.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        observer.stop()
        observer.join(timeout=5)
