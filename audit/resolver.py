"""Host name lookups shared by fetching and probing, so an unresolvable name costs one lookup.

A name that could not be resolved fails at once for the rest of the process (the fetch, the
probe and the robots.txt check of `audit run` all ask for the same hosts), without a retry or
a politeness delay. When the first DOWN_AFTER distinct names all failed and none resolved, name
resolution itself is taken to be down (a machine without network): every further lookup fails at
once, so `audit run` without a network finishes in seconds instead of waiting on each name.
"""

from __future__ import annotations

import socket
import threading

DOWN_AFTER = 8

_lock = threading.Lock()
_failed: dict[str, str] = {}
_resolved = 0


def reset() -> None:
    """Forget what was learnt (tests; a new run in the same process)."""
    global _resolved
    with _lock:
        _failed.clear()
        _resolved = 0


def known_failure(host: str) -> str | None:
    """Why HOST cannot be resolved, when that is already known; else None."""
    key = (host or "").lower().rstrip(".")
    with _lock:
        if key in _failed:
            return _failed[key]
        if _resolved == 0 and len(_failed) >= DOWN_AFTER:
            return f"name resolution is failing ({len(_failed)} names failed, none resolved: no network?)"
    return None


def getaddrinfo(host: str, port, *args, **kwargs):
    """socket.getaddrinfo, failing at once for names known not to resolve (socket.gaierror)."""
    global _resolved
    why = known_failure(host)
    if why is not None:
        raise socket.gaierror(socket.EAI_NONAME, why)
    try:
        infos = socket.getaddrinfo(host, port, *args, **kwargs)  # looked up at call time: --offline's guard applies
    except socket.gaierror as e:
        with _lock:
            _failed[(host or "").lower().rstrip(".")] = e.strerror or str(e)
        raise
    with _lock:
        _resolved += 1
    return infos
