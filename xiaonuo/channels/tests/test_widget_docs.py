"""The identify examples in docs/widget.md compute what the server checks (run as written)."""

import os
import re
import subprocess
from pathlib import Path

from xiaonuo.channels import widget as channels_widget

DOC = Path(__file__).resolve().parents[3] / "docs" / "widget.md"
SECRET = "wsec_docs-example-secret"
USER_ID = "会员-M100"


def _example(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if "XIAONUO_WIDGET_SECRET" in block)


def test_the_python_example_computes_the_hash_the_server_checks(monkeypatch):
    monkeypatch.setenv("XIAONUO_WIDGET_SECRET", SECRET)
    namespace: dict = {}
    exec(_example("python"), namespace)  # noqa: S102 - our own documentation

    computed = namespace["xiaonuo_user_hash"](USER_ID)

    assert computed == channels_widget.user_hash(secret=SECRET, user_id=USER_ID)


def test_the_node_example_computes_the_hash_the_server_checks():
    # Node.js is on every machine that builds Xiaonuo (the Makefile's frontend step needs it).
    script = _example("js") + f"\nprocess.stdout.write(xiaonuoUserHash({USER_ID!r}));\n"

    result = subprocess.run(  # noqa: S603 - a fixed program and our own documentation
        ["node", "-e", script],  # noqa: S607
        capture_output=True,
        text=True,
        env={**os.environ, "XIAONUO_WIDGET_SECRET": SECRET},
        check=True,
    )

    assert result.stdout == channels_widget.user_hash(secret=SECRET, user_id=USER_ID)
