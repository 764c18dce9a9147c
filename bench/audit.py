"""Audit the pinned dependencies for known vulnerabilities: `python -m bench.audit` (`make audit`).

Runs `pip-audit` (the test extra installs it; this module installs nothing) on every pin of
`requirements.lock` (`-r requirements.lock --no-deps --disable-pip -f json`: the pins as they are,
no resolution), reads its JSON and prints what was audited, what was NOT audited and why, every
vulnerability found and every one waived in `audit-waivers.txt` with the waiver's reason.

Waivers: one vulnerability id per line (any id or alias pip-audit reports: PYSEC-…, GHSA-…,
CVE-…), then a reason; `#` starts a comment. A waiver without a reason is an error (exit 1).

"Not audited" is never "no vulnerabilities". pip-audit's default service, PyPI's JSON API, answers
404 where it is unreachable (this sandbox), and pip-audit then skips every dependency with
"Dependency not found on PyPI" and exits 0, printing "No known vulnerabilities found": a fake
pass. The OSV service, unreachable, crashes pip-audit with a connection-error traceback and no
JSON. Both are reported as one loud line, `pip-audit: N of M dependencies NOT audited:
vulnerability service unreachable`, and the vulnerability count is then "UNKNOWN", never 0.
(Every pin comes from PyPI, so a service that knows none of them is not answering; when it knows
some but not others, those are listed as unknown to the service.)

Exit codes, decided: 1 on any unwaived vulnerability, on a bad waiver file, and when pip-audit
fails for any other reason than an unreachable service. Dependencies NOT audited because the
service is unreachable exit 0 with the loud line by default, because CI in an offline sandbox can
never reach the service and a CI that is always red lands nothing; `--require-service` (or
`AUDIT_REQUIRE_SERVICE=1`), for machines with network, makes any dependency not audited exit 1.

Usage: python -m bench.audit [--require-service] [--vulnerability-service pypi|osv] [--osv-url URL]

The parts: the waiver file in `bench.audit_waivers`, the verdict on pip-audit's output (and the
lines printed) in `bench.audit_verdict`; here, the lock, the pip-audit run and the command line.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.audit_verdict import judge
from bench.audit_waivers import read_waivers
from bench.harness import ROOT

LOCK = ROOT / "requirements.lock"
WAIVERS = ROOT / "audit-waivers.txt"
TIMEOUT = 900  # seconds for the whole pip-audit run; a black-holed network must not hang CI


def read_lock(path: Path) -> dict[str, str]:
    """`name -> version` of every `name==version` line (comments and blank lines skipped).
    Any other line is an error: the lock holds exact pins only."""
    pins: dict[str, str] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", line)
        if not match:
            raise ValueError(f"{path}:{n}: not an exact `name==version` pin: {raw!r}")
        pins[match[1]] = match[2]
    return pins


def run_pip_audit(
    lock: Path, service: str, osv_url: str = "", timeout: float = TIMEOUT
) -> tuple[int, str, str]:
    """`pip-audit` on the lock's pins as they are: exit code, stdout (JSON), stderr."""
    cmd = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip"]
    cmd += ["-f", "json", "--aliases", "on", "--desc", "on", "--progress-spinner", "off"]
    cmd += ["--vulnerability-service", service]
    if osv_url:
        cmd += ["--osv-url", osv_url]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return 1, "", f"pip-audit did not finish in {timeout:g} s: Connection timed out"
    return done.returncode, done.stdout, done.stderr


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--waivers", type=Path, default=WAIVERS)
    parser.add_argument("--vulnerability-service", choices=("pypi", "osv"), default="pypi")
    parser.add_argument("--osv-url", default="", help="an OSV-API mirror (with --vuln… osv)")
    parser.add_argument(
        "--require-service",
        action="store_true",
        default=os.environ.get("AUDIT_REQUIRE_SERVICE", "") == "1",
        help="exit 1 when any dependency could not be audited (env AUDIT_REQUIRE_SERVICE=1)",
    )
    args = parser.parse_args(argv)
    try:
        pins = read_lock(args.lock)
        waivers = read_waivers(args.waivers)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        tool = f"pip-audit {version('pip-audit')}"
    except PackageNotFoundError:
        print("error: pip-audit is not installed: run `make install`", file=sys.stderr)
        return 1
    service = args.vulnerability_service
    print(f"{tool} ({service}) on {args.lock.name}: {len(pins)} pins, {len(waivers)} waivers")
    code, out, err = run_pip_audit(args.lock, args.vulnerability_service, args.osv_url)
    verdict = judge(code, out, err, pins, waivers)
    print("\n".join(verdict.report(args.require_service)))
    return verdict.exit_code(args.require_service)


if __name__ == "__main__":
    raise SystemExit(main())
