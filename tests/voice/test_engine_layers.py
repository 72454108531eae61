"""The engine's modules import in one direction (issue 16 item 7): normalise -> understand (intents) -> resolve
-> answer -> speak (prompts), and no module of voice/ imports one that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

VOICE = Path(__file__).resolve().parents[2] / "voice"
# Each stage of the pipeline, and what it may not import: the stages after it.
STAGES = ["normalise", "matching", "context", "intents", "resolve", "answer", "pipeline"]


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in VOICE.glob("*.py"):
        found = graph.setdefault(path.stem, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "voice":
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("voice."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("voice."))
    return graph


def test_no_module_of_voice_imports_one_that_imports_it_back():
    graph = imports()
    cycles = []

    def walk(module: str, path: list[str]) -> None:
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                cycles.append(path[path.index(imported):] + [imported])
            elif imported in graph:
                walk(imported, path + [imported])

    for module in sorted(graph):
        walk(module, [module])
    assert not cycles, cycles


def test_each_stage_imports_only_the_stages_before_it():
    graph = imports()
    for index, stage in enumerate(STAGES):
        later = set(STAGES[index + 1:]) | {"dialogue", "services", "views"}
        assert not graph[stage] & later, (stage, graph[stage] & later)
