"""The engine's layout: one package per pipeline stage, data flowing one way, no import cycle.

Read from the source with `ast`, lazy imports inside functions included: an import put off
to run time to dodge a cycle is still a cycle a reader has to hold in their head.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "hooks" / "notice_engine"

# Pipeline order (README, "Architecture"): a module may import from its own stage and the
# ones before it, never from a later one.
STAGES = ["foundation", "sources", "render", "history", "publish", "mail", "commands"]
FOUNDATION = {"errors", "config", "i18n", "cache", "templating"}
COMMANDS = {"cli", "check", "scaffold", "mkdocs_adapter"}


def modules() -> dict[str, Path]:
    """Dotted name (below notice_engine) -> file, for every module the package ships."""
    found = {}
    for path in ENGINE.rglob("*.py"):
        parts = path.relative_to(ENGINE).with_suffix("").parts
        if parts[0] == "starter":            # files `notice new` copies: not engine code
            continue
        found[".".join(p for p in parts if p != "__init__") or "__init__"] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The engine modules `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "notice_engine":
                target = node.module.partition(".")[2]
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                found.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            found |= {a.name.partition(".")[2] for a in node.names
                      if a.name.startswith("notice_engine.")}
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def stage(name: str) -> str:
    first = name.split(".")[0]
    if first in FOUNDATION or first == "core" or first == "__init__":
        return "foundation"
    if first in COMMANDS:
        return "commands"
    return first


def test_every_module_belongs_to_a_stage():
    assert {stage(name) for name in modules()} <= set(STAGES)


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}        # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_data_flows_one_way_through_the_stages():
    backwards = sorted(f"{name} ({stage(name)}) imports {dep} ({stage(dep)})"
                       for name, deps in graph().items() for dep in deps
                       if STAGES.index(stage(dep)) > STAGES.index(stage(name)))
    assert not backwards, "\n".join(backwards)


def test_the_checker_sees_a_cycle_and_a_backward_import(tmp_path, monkeypatch):
    """The two checks above would fail on a layout that broke the rules."""
    fake = tmp_path / "notice_engine"
    (fake / "render").mkdir(parents=True)
    (fake / "history").mkdir()
    (fake / "render" / "a.py").write_text("from ..history import b\n")
    (fake / "history" / "b.py").write_text("def f():\n    from ..render.a import x\n")
    monkeypatch.setattr(__import__(__name__), "ENGINE", fake)
    edges = graph()
    assert edges == {"render.a": {"history.b"}, "history.b": {"render.a"}}
    assert STAGES.index(stage("history.b")) > STAGES.index(stage("render.a"))
