"""``python -m guanxi``: runs the command line."""

from guanxi.cli.main import run

run()
