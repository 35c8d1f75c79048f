"""The function-length gate: no function body over ``--max`` lines without a stated reason.

A body is counted from its first statement after the docstring to its last line, blank lines and
comments included: what a reader has to hold in mind. A function may exceed the limit when the
line above its ``def`` (or above its decorators) says why::

    # long-function: one pass over the sorted rows; splitting it would copy the arrays per stage
    def motion(...):

Run: ``python tools/function_length.py [--max 80] PATH...`` (``make lint`` runs it on navwatch/).
Exit 1 lists every function over the limit without a reason.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

MARK = "# long-function:"


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    if not body:
        return 0
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


def _has_reason(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> bool:
    top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    i = top - 2  # the line above, 0-based
    while i >= 0 and lines[i].strip().startswith("#"):
        text = lines[i].strip()
        if text.startswith(MARK) and len(text) > len(MARK) + 10:
            return True
        i -= 1
    return False


def check(paths: list[Path], limit: int) -> list[str]:
    """Return one message per function over ``limit`` body lines without a reason."""
    found = []
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            text = f.read_text(encoding="utf-8")
            lines = text.splitlines()
            for node in ast.walk(ast.parse(text, filename=str(f))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                n = _body_lines(node)
                if n > limit and not _has_reason(node, lines):
                    found.append(
                        f"{f}:{node.lineno}: {node.name}() has {n} lines (limit {limit}); "
                        f"split it, or say why not in a '{MARK} <reason>' comment above it"
                    )
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--max", type=int, default=80, help="body lines allowed (default 80)")
    args = ap.parse_args(argv)
    found = check(args.paths, args.max)
    for msg in found:
        print(msg)
    if found:
        print(f"{len(found)} function(s) over {args.max} lines", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
