"""kombu's SQLAlchemy transport tuned for a SQLite file: the embedded, install-nothing broker.

What differs from the stock transport: workers poll every 0.1 s instead of 1 s (jobs
start promptly); SQLite runs in WAL mode with a busy timeout so the CLI, the UI and
several workers can write to the broker file at once; every thread gets its own
session (the stock channel shares one, and Celery requeues a lost job from another
thread, which corrupts it); and a delivered message is deleted rather than hidden
forever, so the file does not grow without end. A job whose worker dies after the
delete is not lost: the job store's reaper (workers/reaper.py) requeues it.
"""

from __future__ import annotations

import threading
from queue import Empty

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Channel as SqlaChannel
from kombu.transport.sqlalchemy import Transport as SqlaTransport
from kombu.transport.sqlalchemy import loads
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text

ALIAS = "sqla"  # URLs stay kombu's own ``sqla+sqlite:///...``
POLLING_INTERVAL_S = 0.1


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Channel(SqlaChannel):
    """SQLAlchemy channel: WAL SQLite, a session per thread, delete on delivery."""

    def __init__(self, *args, **kwargs):
        self._local = threading.local()
        self._lock = threading.RLock()
        super().__init__(*args, **kwargs)

    @property
    def session(self):
        sess = getattr(self._local, "session", None)
        if sess is None:
            _, session_factory = self._open()
            sess = self._local.session = session_factory()
        return sess

    def _put(self, queue, payload, **kwargs):
        with self._lock:
            return super()._put(queue, payload, **kwargs)

    def _size(self, queue):
        with self._lock:
            return super()._size(queue)

    def _purge(self, queue):
        with self._lock:
            return super()._purge(queue)

    def _get(self, queue):
        with self._lock:
            obj = self._get_or_create(queue)
            sess = self.session
            if sess.bind.name == "sqlite":
                sess.execute(text("BEGIN IMMEDIATE TRANSACTION"))
            try:
                msg = (sess.query(self.message_cls)
                       .filter(self.message_cls.queue_id == obj.id)
                       .filter(self.message_cls.visible != False)  # noqa: E712 - SQL expression
                       .order_by(self.message_cls.sent_at, self.message_cls.id)
                       .limit(1).first())
                if msg is None:
                    raise Empty()
                payload = loads(bytes_to_str(msg.payload))
                sess.delete(msg)
                return payload
            finally:
                sess.commit()

    def _engine_from_config(self):
        url = self.connection.client.hostname
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return super()._engine_from_config()


class Transport(SqlaTransport):
    """The embedded broker transport."""

    Channel = Channel
    polling_interval = POLLING_INTERVAL_S


def install() -> None:
    """Make ``sqla+...`` URLs use this transport in the current process."""
    TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
