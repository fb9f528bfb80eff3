"""`guanxi demo` builds a bank end to end, and `guanxi serve` answers over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guanxi.cli.main import app

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
    assert "rm.chen" in result.stdout and "guanxi-rm" in result.stdout
    assert "http://127.0.0.1:8000/docs" in result.stdout
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
        # then the start page shows the bank and the API answers a demo user
        assert "<th>customers</th><td>" in page
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/parties?limit=1")
        request.add_header("Authorization", "Basic " + _basic("rm.chen", "guanxi-rm"))
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
