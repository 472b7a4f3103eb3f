"""`audit check --user-agent`, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from test_safety import _no_env_proxies, server  # noqa: F401 (fixtures: a local server, no proxy variables)

from audit.fetch.http import USER_AGENT

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_check_sends_the_chosen_user_agent(run_cli, server):
    r = run_cli("check", server.url + "/le", "--allow-private-network", "--user-agent", BROWSER, "--format", "json")
    assert r.code == 0, r
    assert [ua for _, ua in server.seen] == [BROWSER]


def test_check_user_agent_from_environment(run_cli, server):
    r = run_cli("check", server.url + "/le", "--allow-private-network", env={"AUDIT_USER_AGENT": BROWSER})
    assert r.code == 0, r
    assert [ua for _, ua in server.seen] == [BROWSER]


def test_check_default_user_agent_is_ours(run_cli, server):
    r = run_cli("check", server.url + "/le", "--allow-private-network")
    assert r.code == 0, r
    assert [ua for _, ua in server.seen] == [USER_AGENT]


@pytest.mark.parametrize("bad", ["two\nlines", "   "])
def test_check_rejects_a_bad_user_agent_before_any_request(run_cli, server, bad):
    r = run_cli("check", server.url + "/le", "--allow-private-network", "--user-agent", bad)
    assert r.code == 2 and "--user-agent" in r.err
    assert server.seen == []


def test_check_help_lists_user_agent(run_cli):
    r = run_cli("check", "--help")
    assert r.code == 0 and "--user-agent" in r.out
