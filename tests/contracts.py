"""An import-linter contract that the built-in ones lack: no package imports another package's
private (underscore) names. `private_modules` covers `_module`s; this covers `from x import _name`.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class PrivateNamesContract(Contract):
    """No module in one of `packages` imports an underscore name from a module of another.

    Options: `packages`: the packages whose boundaries are checked (e.g. every domain of bot/).
    """

    type_name = "private_names"
    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = [str(package) for package in self.packages]  # type: ignore[attr-defined]
        broken: list[str] = []
        for importer in sorted(graph.modules):
            home = _package_of(importer, packages)
            if home is None:
                continue
            for line, source, names in _from_imports(importer):
                if _package_of(source, packages) in (None, home):
                    continue
                private = [name for name in names if name.startswith("_") and name[:2] != "__"]
                if private:
                    broken.append(f"{importer}:{line} imports {', '.join(private)} from {source}")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line, bold=False)


def _package_of(module: str, packages: list[str]) -> str | None:
    matches = [p for p in packages if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


def _from_imports(module: str) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) of each `from X import names` in the module's source."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return []
    tree = ast.parse(Path(spec.origin).read_text(), filename=spec.origin)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return found
