"""`guanxi demo` builds a bank end to end, and `guanxi serve` answers over real HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guanxi.cli.demo_assistant import DEMO_PASSCODE
from guanxi.cli.main import app
from guanxi.cli.serve_commands import DEMO_PASSWORD

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_builds_a_bank_and_the_server_answers(tmp_path: Path):
    # given an empty var folder (set by the autouse fixture)
    var = Path(os.environ["GUANXI_VAR_DIR"])
    # when the demo is built without serving
    result = runner.invoke(app, ["demo", "--customers", "150", "--months", "3", "--no-serve"])
    # then the bank is loaded and the demo users are printed
    assert result.exit_code == 0, result.output
    assert (var / "guanxi.db").exists()
    assert any((var / "lake" / "transactions").glob("month=*/*.parquet"))
    assert "rm.chen" in result.stdout and "auditor.ho" in result.stdout and DEMO_PASSWORD in result.stdout
    assert "http://127.0.0.1:8000/docs" in result.stdout
    chat_customer = int(re.search(r"customers (\d+)", result.stdout).group(1))
    assert DEMO_PASSCODE in result.stdout
    # and building it again adds nothing
    again = runner.invoke(app, ["demo", "--customers", "150", "--months", "3", "--no-serve"])
    assert again.exit_code == 0, again.output
    # when the server is started on the demo data
    port = _free_port()
    env = os.environ | {"GUANXI_VAR_DIR": str(var)}
    server = subprocess.Popen(
        [sys.executable, "-m", "guanxi", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = _get(f"http://127.0.0.1:{port}/", deadline=time.monotonic() + 30)
        # then the start page sends the browser to sign in
        assert '<h1 id="sign-in-title">Sign in</h1>' in page
        # and the API gives a demo RM a token and their own book of customers
        body = json.dumps({"username": "rm.chen", "password": DEMO_PASSWORD}).encode()
        ask = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/tokens", data=body, method="POST")
        ask.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(ask, timeout=10) as response:
            token = json.loads(response.read())["token"]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/parties?limit=1")
        request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            book = json.loads(response.read())
        assert 0 < book["total"] < 150
        # and a demo customer signs in to the assistant and gets their balance
        token = _post(port, "/api/v1/assistant/conversations", {"language": "en"})["token"]
        _post(
            port,
            "/api/v1/assistant/conversations/sign-in",
            {"party_id": chat_customer, "passcode": DEMO_PASSCODE},
            token,
        )
        answer = _post(port, "/api/v1/assistant/conversations/messages", {"text": "what is my balance?"}, token)
        assert answer["messages"][1]["text"].startswith("Your balances:")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _post(port: int, path: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Conversation-Token", token)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
