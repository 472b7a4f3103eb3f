"""`--offline`: a process-wide guard so that no byte leaves the machine.

An auditor scoring their employer from the archive may not want their machine to talk to the
company's servers at all. Rather than trust every code path to check a flag, the guard replaces
the socket functions that open connections or resolve names: any attempt fails loudly with a
one-line error naming the host, and nothing is sent. Unix sockets and socket pairs still work.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

from audit.errors import InputError

ENV_VAR = "AUDIT_OFFLINE"


class OfflineError(InputError):
    """Network access was attempted while --offline was in force (exit 2)."""


_lock = threading.Lock()
_depth = 0
_saved: dict[str, object] = {}


def _refuse(what: str):
    raise OfflineError(f"--offline: refused network access to {what} (nothing was sent)")


def refuse(what: str):
    """Raise the one --offline error (exit 2) for an attempt to reach WHAT."""
    _refuse(what)


def _where(address) -> str:
    if isinstance(address, tuple) and address:
        return f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
    return str(address)


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(_where(address))
    return _saved["connect"](self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(_where(address))
    return _saved["connect_ex"](self, address)


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    _refuse(f"{host}:{port}" if port else str(host))


def _guarded_create_connection(address, *args, **kwargs):
    _refuse(_where(address))


def offline_requested(flag: bool = False) -> bool:
    """The --offline flag, or AUDIT_OFFLINE=1 in the environment (for CI and shell profiles)."""
    return flag or os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def no_network():
    """Within this block every IP connection and name lookup raises OfflineError (nestable)."""
    global _depth
    with _lock:
        if _depth == 0:
            _saved.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                          getaddrinfo=socket.getaddrinfo, create_connection=socket.create_connection)
            socket.socket.connect = _guarded_connect
            socket.socket.connect_ex = _guarded_connect_ex
            socket.getaddrinfo = _guarded_getaddrinfo
            socket.create_connection = _guarded_create_connection
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                socket.socket.connect = _saved["connect"]
                socket.socket.connect_ex = _saved["connect_ex"]
                socket.getaddrinfo = _saved["getaddrinfo"]
                socket.create_connection = _saved["create_connection"]
                _saved.clear()


def is_offline() -> bool:
    return _depth > 0
