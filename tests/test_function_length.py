"""The function-length gate (tools/function_length.py) that `make lint` runs on navwatch/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "function_length", ROOT / "tools" / "function_length.py"
)
assert _spec and _spec.loader
fl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fl)


def _func(name: str, body_lines: int, above: str = "") -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(body_lines))
    return f'{above}def {name}():\n    """Doc\n\n    lines do not count."""\n{body}'


def test_long_functions_fail_unless_a_reason_is_given(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        _func("short", 80)
        + _func("long", 81)
        + _func(
            "excused", 120, "# long-function: one pass over sorted arrays, kept whole on purpose\n"
        ),
        encoding="utf-8",
    )
    found = fl.check([f], 80)
    assert len(found) == 1 and "long() has 81 lines" in found[0]
    assert fl.main([str(f)]) == 1 and fl.main([str(f), "--max", "100"]) == 0


def test_navwatch_passes_the_gate():
    assert fl.check([ROOT / "navwatch"], 80) == []
