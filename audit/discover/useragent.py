"""`--user-agent`: send a chosen User-Agent (e.g. a generic browser string) instead of ours."""

from __future__ import annotations

from dataclasses import replace

from audit.errors import InputError
from audit.fetch.polite import FetchPolicy


def with_user_agent(policy: FetchPolicy, user_agent: str | None) -> FetchPolicy:
    """The policy with USER_AGENT (validated: one non-empty printable line), or unchanged when None."""
    if user_agent is None:
        return policy
    ua = user_agent.strip()
    if not ua or not ua.isprintable():
        raise InputError("--user-agent must be a non-empty single line of printable characters")
    return replace(policy, user_agent=ua)
