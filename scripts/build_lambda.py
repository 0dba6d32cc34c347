#!/usr/bin/env python3
"""Build the Lambda artifact both functions share: ``build/lambda/`` (template.yaml's CodeUri).

    python3 scripts/build_lambda.py            # from the repository root, any Python >= 3.11

1. ``pip install --target`` the locked runtime dependencies (requirements.lock, every file
   checked against its hash) as wheels for Lambda's platform (manylinux2014 x86_64,
   CPython 3.13), not the build machine's; then the project itself, without dependencies;
2. remove what Lambda never reads: ``__pycache__``, console scripts (``bin/``) and the
   Google API discovery documents of every API but the ones logpull builds a client for
   (``static_discovery=True`` reads ``googleapiclient/discovery_cache/documents/<api>.json``);
3. print the unzipped size and exit 1 if it is over Lambda's 250 MB limit.

Plain Python and pip: no SAM, no Docker. One line on stderr and a non-zero exit on failure.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TARGET = ROOT / "build" / "lambda"
LOCK_FILE = ROOT / "requirements.lock"
# Lambda's limit on a function's unzipped deployment package (code and layers)
LIMIT_BYTES = 250 * 1024 * 1024
# the discovery documents the code builds clients from: worker/sources/google_reports.py
# calls build("admin", "reports_v1", static_discovery=True)
KEEP_DISCOVERY = frozenset({"admin.reports_v1.json"})
DISCOVERY_DIR = Path("googleapiclient", "discovery_cache", "documents")
PLATFORM = ("--platform", "manylinux2014_x86_64", "--implementation", "cp",
            "--python-version", "3.13", "--only-binary=:all:")


class BuildError(Exception):
    """A step failed; the message is the one line the operator sees."""


def pip_install(target: Path, lock: Path, source: Path) -> None:
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--root-user-action=ignore", "--no-compile", "--target", str(target), *PLATFORM]
    steps = (
        [*pip, "--require-hashes", "--no-deps", "-r", str(lock)],
        # the project itself: its dependencies are the lock's, already in place
        [*pip, "--no-deps", "--upgrade", str(source)],
    )
    for command in steps:
        if subprocess.run(command, check=False).returncode != 0:  # noqa: S603 - our own argv
            raise BuildError(f"pip failed: {' '.join(command[2:])}")


def prune(target: Path) -> int:
    """Remove what Lambda does not need; return the number of bytes removed."""
    doomed: list[Path] = [p for p in target.rglob("__pycache__") if p.is_dir()]
    if (target / "bin").is_dir():
        doomed.append(target / "bin")
    documents = target / DISCOVERY_DIR
    if documents.is_dir():
        missing = KEEP_DISCOVERY - {p.name for p in documents.iterdir()}
        if missing:
            raise BuildError(f"{documents} lacks {', '.join(sorted(missing))}")
        doomed += [p for p in documents.iterdir()
                   if p.suffix == ".json" and p.name not in KEEP_DISCOVERY]
    removed = 0
    for path in doomed:
        if not path.exists():  # inside a directory removed before it
            continue
        removed += size_of(path)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def check_size(target: Path, limit: int = LIMIT_BYTES) -> int:
    size = size_of(target)
    if size > limit:
        raise BuildError(f"{target} is {mb(size)} unzipped, over Lambda's {mb(limit)} limit")
    return size


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def build(target: Path, lock: Path, source: Path) -> int:
    if not lock.is_file():
        raise BuildError(f"no lock file at {lock}")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    pip_install(target, lock, source)
    removed = prune(target)
    size = check_size(target)
    print(f"built {target}: {mb(size)} unzipped (Lambda allows {mb(LIMIT_BYTES)}; "
          f"pruned {mb(removed)})")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", nargs="?", type=Path, default=DEFAULT_TARGET,
                        help=f"output directory (default {DEFAULT_TARGET.relative_to(ROOT)}); "
                             "removed and rebuilt")
    args = parser.parse_args(argv)
    try:
        build(args.target.resolve(), LOCK_FILE, ROOT)
    except BuildError as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
