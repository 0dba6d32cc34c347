"""What `pip install logpull` brings: the runtime without the demo's emulator or test tools.

* pyproject's runtime dependencies name none of the demo- or test-only packages; the
  ``demo`` extra holds the emulator and ``dev`` pulls in ``demo`` (the tests start it).
* With those packages unimportable (a meta-path blocker in a fresh interpreter, as in a
  venv made by ``pip install .``), the console script's ``--help`` and both Lambda
  handlers import, and ``logpull demo`` exits 2 with one line naming the extra.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"

# import names of what the runtime must not need (moto[server] brings flask and werkzeug)
NOT_AT_RUNTIME = ("moto", "flask", "werkzeug", "localstack_client", "cfnlint", "pytest",
                  "hypothesis")

BLOCKER = """
import importlib, sys, tomllib

BLOCKED = set(sys.argv[2].split(","))


class Blocker:
    \"\"\"As if these packages were not installed.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
with open(sys.argv[1], "rb") as file:
    target = tomllib.load(file)["project"]["scripts"]["logpull"]
module, _, function = target.partition(":")
main = getattr(importlib.import_module(module), function)
if sys.argv[3] == "handlers":
    from orchestrator.lambda_handler import handler as orchestrator_handler
    from worker.lambda_handler import handler as worker_handler
    assert callable(orchestrator_handler) and callable(worker_handler)
    print("imported:", ",".join(sorted(m for m in BLOCKED if m in sys.modules)) or "none")
else:
    sys.argv = ["logpull", *sys.argv[3:]]
    main()
"""


def _project() -> dict[str, Any]:
    with PYPROJECT.open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def _name(requirement: str) -> str:
    """The distribution name of a requirement, normalised (PEP 503)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def without(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the blocker script with the demo- and test-only packages unimportable."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, str(PYPROJECT), ",".join(NOT_AT_RUNTIME), *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)


def test_runtime_dependencies_hold_no_demo_or_test_package() -> None:
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    forbidden = {"moto", "flask", "werkzeug", "cfn-lint", "localstack-client", "pytest",
                 "pytest-timeout", "hypothesis", "ruff", "mypy", "boto3-stubs"}
    assert not runtime & forbidden, sorted(runtime & forbidden)
    extras = project["optional-dependencies"]
    assert [_name(r) for r in extras["demo"]] == ["moto"]
    assert any(r.startswith("moto[server]") for r in extras["demo"])
    dev = [r.replace(" ", "") for r in extras["dev"]]
    assert "logpull[demo]" in dev  # the suite starts the same moto server as the demo
    assert {"localstack-client", "cfn-lint", "pytest"} <= {_name(r) for r in dev}


def test_cli_and_lambda_handlers_import_without_the_extras() -> None:
    result = without("handlers")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported: none"

    result = without("--help")
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "Traceback" not in result.stderr


def test_demo_without_the_extra_exits_2_naming_it() -> None:
    result = without("demo", "--events", "10")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert line.startswith("logpull: error:")
    assert "pip install 'logpull[demo]'" in line
    assert "pip install -e '.[demo]'" in line
    assert result.stdout == ""


def test_readme_commands_install_the_extras_they_need_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    demo, tests = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert demo == ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[demo]' "
                    "&& .venv/bin/logpull demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, ".ci/run must run exactly the README's test command"
