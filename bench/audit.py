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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
WAIVERS = ROOT / "audit-waivers.txt"
TIMEOUT = 900  # seconds for the whole pip-audit run; a black-holed network must not hang CI
NOT_ON_PYPI = "Dependency not found on PyPI"
"""How pip-audit's PyPI service words a 404 from PyPI's JSON API (`pip_audit/_service/pypi.py`)."""
UNREACHABLE = "vulnerability service unreachable"
# A pip-audit run that died talking to its service: requests' or urllib3's errors in the
# traceback, pip-audit's own ConnectionError (and its hint), or a failing service (HTTPError).
_CONNECTION_FAILURE = re.compile(
    r"requests\.exceptions\.\w+|urllib3\.exceptions\.\w+|pip_audit\._service\.\w+"
    r"|Could not connect to|your network may be blocking|Name or service not known"
    r"|Connection refused|Max retries exceeded|timed out"
)
_VULN_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$")


class WaiverError(ValueError):
    """The waiver file is malformed: the message names the line."""


@dataclass(frozen=True)
class Waiver:
    vuln_id: str
    reason: str
    line: int
    """Line number in the waiver file."""


@dataclass(frozen=True)
class Finding:
    """One vulnerability pip-audit reported for one pinned distribution."""

    name: str
    version: str
    vuln_id: str
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    description: str = ""

    @property
    def ids(self) -> set[str]:
        return {self.vuln_id, *self.aliases}


@dataclass
class Verdict:
    """What one audit established. `not_audited` maps a reason to the pins it applies to."""

    total: int
    audited: list[str] = field(default_factory=list)
    not_audited: dict[str, list[str]] = field(default_factory=dict)
    unreachable: bool = False
    findings: list[Finding] = field(default_factory=list)
    waived: list[tuple[Finding, Waiver]] = field(default_factory=list)
    unused_waivers: list[Waiver] = field(default_factory=list)
    error: str = ""
    """pip-audit failed for a reason other than an unreachable service: nothing is known."""

    @property
    def n_not_audited(self) -> int:
        return sum(len(names) for names in self.not_audited.values())

    def exit_code(self, require_service: bool) -> int:
        if self.error or self.findings:
            return 1
        return 1 if require_service and self.n_not_audited else 0

    def report(self, require_service: bool) -> list[str]:
        """The lines `main` prints."""
        if self.error:
            return [f"pip-audit failed: {self.error}", "verdict: ERROR (exit 1): nothing audited"]
        missing = self.n_not_audited
        lines = [f"dependencies audited: {len(self.audited)} of {self.total}"]
        if missing:
            why = UNREACHABLE if self.unreachable else "see the reasons below"
            lines.append(f"pip-audit: {missing} of {self.total} dependencies NOT audited: {why}")
            for reason, names in sorted(self.not_audited.items()):
                lines.append(f"  not audited ({len(names)}), pip-audit says: {reason}")
                if len(names) == self.total:
                    lines.append("    (every pin of the lock)")
                    continue
                lines += textwrap.wrap(
                    ", ".join(names),
                    96,
                    initial_indent="    ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
        if not self.audited:
            lines.append(f"vulnerabilities: UNKNOWN ({missing} dependencies not audited)")
        elif missing:  # never a bare "0": the rest is unknown
            found = (
                f"{len(self.findings)} unwaived and {len(self.waived)} waived"
                if self.findings or self.waived
                else "none found"
            )
            lines.append(
                f"vulnerabilities: {found} in the {len(self.audited)} audited;"
                f" UNKNOWN in the {missing} not audited"
            )
        else:
            lines.append(
                f"vulnerabilities found: {len(self.findings) + len(self.waived)}"
                f" ({len(self.findings)} unwaived, {len(self.waived)} waived)"
            )
        lines += [f"  VULNERABLE {_describe(f)}" for f in self.findings]
        lines += [f"  waived {_describe(f)}: {w.vuln_id}: {w.reason}" for f, w in self.waived]
        if not missing:  # a waiver can only be called stale when everything was audited
            lines += [
                f"  stale waiver (line {w.line}): {w.vuln_id} matched no vulnerability"
                for w in self.unused_waivers
            ]
        code = self.exit_code(require_service)
        if self.findings:
            lines.append(f"verdict: FAIL (exit 1): {len(self.findings)} unwaived vulnerabilities")
        elif missing and code:
            lines.append(f"verdict: FAIL (exit 1): {missing} not audited and the service required")
        elif missing:
            known = (
                f"no unwaived vulnerability in the {len(self.audited)} audited"
                if self.audited
                else "nothing could be audited"
            )
            lines.append(
                f"verdict: NOT AUDITED (exit 0): {known}; --require-service or"
                " AUDIT_REQUIRE_SERVICE=1 makes this exit 1"
            )
        else:
            lines.append("verdict: PASS (exit 0): every dependency audited, none vulnerable")
        return lines


def _describe(f: Finding) -> str:
    aliases = f" ({', '.join(sorted(f.aliases))})" if f.aliases else ""
    fixed = f", fixed in {', '.join(f.fix_versions)}" if f.fix_versions else ", no fix yet"
    text = f"{f.name} {f.version}: {f.vuln_id}{aliases}{fixed}"
    return f"{text}: {f.description[:120]}" if f.description else text


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


def read_waivers(path: Path) -> dict[str, Waiver]:
    """Waivers by vulnerability id; a missing file waives nothing."""
    if not path.exists():
        return {}
    waivers: dict[str, Waiver] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, *rest = line.split(None, 1)
        vuln_id, reason = vuln_id.rstrip(":"), "".join(rest).strip(" \t:-")
        if not _VULN_ID.match(vuln_id):
            raise WaiverError(f"{path.name}:{n}: {vuln_id!r} is not a vulnerability id")
        if not reason:
            raise WaiverError(f"{path.name}:{n}: waiver of {vuln_id} has no reason")
        if vuln_id in waivers:
            raise WaiverError(f"{path.name}:{n}: {vuln_id} is waived twice")
        waivers[vuln_id] = Waiver(vuln_id, reason, n)
    return waivers


def judge(
    returncode: int, stdout: str, stderr: str, pins: dict[str, str], waivers: dict[str, Waiver]
) -> Verdict:
    """The verdict on one pip-audit run (its exit code, JSON on stdout, log on stderr)."""
    try:
        report = json.loads(stdout)
        deps: list[dict[str, Any]] = report["dependencies"]
    except (ValueError, TypeError, KeyError):
        last = _last_line(stderr) or f"exit code {returncode}, no JSON report"
        if _CONNECTION_FAILURE.search(stderr):
            return Verdict(len(pins), not_audited={last: sorted(pins)}, unreachable=True)
        return Verdict(len(pins), error=last)
    verdict = Verdict(len(pins))
    reported = {_canonical(str(dep.get("name", ""))) for dep in deps}
    absent = sorted(name for name in pins if _canonical(name) not in reported)
    if absent:  # pip-audit's report must cover every pin, or the rest is not audited
        verdict.not_audited["missing from pip-audit's report"] = absent
    used: set[str] = set()
    for dep in deps:
        if "skip_reason" in dep:
            reason = str(dep["skip_reason"])
            if reason.startswith(NOT_ON_PYPI):  # one reason for all: the name follows a colon
                reason = reason.split(":", 1)[0]
            verdict.not_audited.setdefault(reason, []).append(str(dep["name"]))
            continue
        verdict.audited.append(dep["name"])
        for vuln in dep.get("vulns", []):
            finding = Finding(
                name=dep["name"],
                version=dep.get("version", ""),
                vuln_id=vuln["id"],
                aliases=tuple(vuln.get("aliases") or ()),
                fix_versions=tuple(vuln.get("fix_versions") or ()),
                description=str(vuln.get("description") or ""),
            )
            waiver = next((waivers[i] for i in sorted(finding.ids) if i in waivers), None)
            if waiver is None:
                verdict.findings.append(finding)
            else:
                verdict.waived.append((finding, waiver))
                used.add(waiver.vuln_id)
    # A service that knows none of the pins (all from PyPI) is not answering.
    verdict.unreachable = (
        bool(verdict.not_audited)
        and not verdict.audited
        and all(reason.startswith(NOT_ON_PYPI) for reason in verdict.not_audited)
    )
    verdict.unused_waivers = [w for i, w in sorted(waivers.items()) if i not in used]
    return verdict


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


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
