"""scripts/build_lambda.py: what it prunes, the size limit, and that it builds what the
template and the code use. The pip install itself runs in the README's build, not here
(it needs the registry)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_lambda.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_lambda", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_lambda"] = module
    spec.loader.exec_module(module)
    return module


def write(path: Path, size: int = 10) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_prune_keeps_the_code_and_the_discovery_documents_in_use(
    script: ModuleType, tmp_path: Path
) -> None:
    documents = tmp_path / "googleapiclient" / "discovery_cache" / "documents"
    write(documents / "admin.reports_v1.json")
    write(documents / "drive.v3.json", 100)
    write(documents / "compute.v1.json", 100)
    write(tmp_path / "googleapiclient" / "discovery_cache" / "__init__.py")
    write(tmp_path / "worker" / "__pycache__" / "x.cpython-311.pyc", 7)
    write(tmp_path / "worker" / "lambda_handler.py")
    write(tmp_path / "bin" / "logpull", 3)

    removed = script.prune(tmp_path)

    assert removed == 210
    assert sorted(p.name for p in documents.iterdir()) == ["admin.reports_v1.json"]
    assert not (tmp_path / "bin").exists()
    assert not (tmp_path / "worker" / "__pycache__").exists()
    assert (tmp_path / "worker" / "lambda_handler.py").is_file()
    assert (tmp_path / "googleapiclient" / "discovery_cache" / "__init__.py").is_file()


def test_prune_fails_when_a_document_in_use_is_missing(
    script: ModuleType, tmp_path: Path
) -> None:
    write(tmp_path / "googleapiclient" / "discovery_cache" / "documents" / "drive.v3.json")
    with pytest.raises(script.BuildError, match=r"admin\.reports_v1\.json"):
        script.prune(tmp_path)


def test_over_the_limit_is_an_error_naming_both_sizes(script: ModuleType, tmp_path: Path) -> None:
    write(tmp_path / "a", 3 * 1024 * 1024)
    assert script.check_size(tmp_path, limit=4 * 1024 * 1024) == 3 * 1024 * 1024
    with pytest.raises(script.BuildError, match=r"3\.0 MB unzipped, over Lambda's 2\.0 MB"):
        script.check_size(tmp_path, limit=2 * 1024 * 1024)
    assert script.LIMIT_BYTES == 250 * 1024 * 1024


def test_a_failed_build_is_one_line_on_stderr_and_exit_1(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(script, "LOCK_FILE", tmp_path / "missing.lock")
    assert script.main([str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "no lock file" in captured.err
    assert "Traceback" not in captured.err


def test_the_kept_documents_are_the_ones_the_google_source_builds(script: ModuleType) -> None:
    source = (ROOT / "worker" / "sources" / "google_reports.py").read_text(encoding="utf-8")
    built = {f"{api}.{version}.json" for api, version in
             re.findall(r"\bbuild\(\s*\"(\w+)\",\s*\"(\w+)\"", source)}
    assert built == {"admin.reports_v1.json"}
    assert "static_discovery=True" in source
    assert built == script.KEEP_DISCOVERY


def test_the_template_deploys_the_directory_the_script_builds(script: ModuleType) -> None:
    code_uris = re.findall(r"^\s*CodeUri:\s*(\S+)", (ROOT / "template.yaml").read_text(
        encoding="utf-8"), flags=re.MULTILINE)
    assert len(code_uris) == 2  # the orchestrator and the worker share one artifact
    expected = script.DEFAULT_TARGET.relative_to(ROOT).as_posix()
    assert {uri.rstrip("/") for uri in code_uris} == {expected}
