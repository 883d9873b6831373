"""The store services that take a row their caller loaded (a parameter of a model's type:
``claim: ClaimRecord``, ``client: Client``…), for the cross-practice sweep: which they are,
which web routes and CLI commands reach them (a static call graph of therabill, by import),
and a watch that records every call of one given a row of another practice.

The sweep cannot call these with B's id: they take no id. What keeps B's rows from them is
their callers, which load the row in the work's practice first. :func:`watching` wraps each
of them (every module's reference to it) while the sweep runs as A with B's ids: a row of
B's handed to any of them is a failure, whichever route, command or service handed it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import therabill
import therabill.store.models as models
import therabill.store.services as package

SRC = Path(therabill.__file__).parent


def _row_pattern() -> re.Pattern[str]:
    rows = {n for n, c in vars(models).items() if hasattr(c, "__tablename__")}
    return re.compile(r"\b(" + "|".join(sorted(rows)) + r")\b")


def row_services() -> dict[str, Callable[..., Any]]:
    """Every public service function with a parameter of a model's type (required or not):
    ``{"claim_edits.rescrub": function}``."""
    a_row = _row_pattern()
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = inspect.signature(function).parameters
            if not {"work", "store", "conn"} & set(parameters):
                continue
            if any(a_row.search(str(p.annotation)) for p in parameters.values()):
                found[f"{info.name}.{name}"] = function
    return found


def _row_parameters(function: Callable[..., Any]) -> list[str]:
    a_row = _row_pattern()
    return [
        p.name
        for p in inspect.signature(function).parameters.values()
        if a_row.search(str(p.annotation))
    ]


def _of(value: Any, practice: int, depth: int = 0) -> bool:
    """Whether ``value`` is (or holds, in a list, tuple or set) a row of ``practice``."""
    if depth > 2 or value is None or isinstance(value, str | int | float | bytes):
        return False
    if getattr(value, "practice_id", None) == practice:
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return any(_of(v, practice, depth + 1) for v in list(value)[:50])
    return False


@contextmanager
def watching(monkeypatch: pytest.MonkeyPatch, practice: int) -> Iterator[dict[str, list[str]]]:
    """While the block runs, record each call of a row service given a row of ``practice``
    (``{service: [parameter, …]}``) and each service called at all (under ``"*"``)."""
    seen: dict[str, list[str]] = {"*": []}
    services = row_services()
    wrappers: dict[int, Callable[..., Any]] = {}
    for name, function in services.items():
        signature = inspect.signature(function)
        rows = _row_parameters(function)

        def wrapper(
            *args: Any,
            __f: Callable[..., Any] = function,
            __n: str = name,
            __s: inspect.Signature = signature,
            __r: list[str] = rows,
            **kwargs: Any,
        ) -> Any:
            bound = __s.bind_partial(*args, **kwargs).arguments
            seen["*"].append(__n)
            for parameter in __r:
                if _of(bound.get(parameter), practice):
                    seen.setdefault(__n, []).append(parameter)
            return __f(*args, **kwargs)

        wrappers[id(function)] = functools.wraps(function)(wrapper)
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("therabill"):
            continue
        for attribute, value in list(vars(module).items()):
            if id(value) in wrappers and inspect.isfunction(value):
                monkeypatch.setattr(module, attribute, wrappers[id(value)])
    yield seen


def call_graph() -> dict[str, set[str]]:
    """``{"module.function": {"module.function", …}}``: what each top-level function (or
    class) of therabill names, resolved through its module's imports (a function passed as
    a callback counts as called)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        module = ".".join(parts)
        tree = ast.parse(path.read_text())
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.asname or alias.name] = alias.name
        top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            calls = graph.setdefault(f"{module}.{node.name}", set())
            for inner in ast.walk(node):
                target = None
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                    target = f"{module}.{inner.id}" if inner.id in top else names.get(inner.id)
                elif isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                    base = names.get(inner.value.id)
                    target = f"{base}.{inner.attr}" if base else None
                if target and target.startswith("therabill."):
                    calls.add(_real_name(target))
    return graph


@functools.cache
def _real_name(dotted: str) -> str:
    """``therabill.store.services.submit_claims`` (a re-export) as the function's own
    ``therabill.store.services.submission.submit_claims``; anything else as given."""
    module, _, attribute = dotted.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError, ValueError):
        return dotted
    if inspect.isfunction(found) or inspect.isclass(found):
        return f"{found.__module__}.{found.__qualname__}"
    return dotted


def reaching(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every function ``start`` reaches in ``graph``."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def qualified(function: Callable[..., Any]) -> str:
    function = inspect.unwrap(function)
    return f"{function.__module__}.{function.__qualname__}"
