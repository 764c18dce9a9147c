"""The verdict on one pip-audit run (`bench.audit`): what was audited, what was NOT audited and
why, each vulnerability found or waived, the lines printed and the exit code. "Not audited" is
never "no vulnerabilities": a service that knows none of the pins (all from PyPI) is taken as
unreachable, and the vulnerability count is then "UNKNOWN", never 0."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from bench.audit_waivers import Waiver

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
        lines = [f"dependencies audited: {len(self.audited)} of {self.total}"]
        lines += self._not_audited_lines()
        lines += self._vulnerability_lines()
        lines.append(self._verdict_line(require_service))
        return lines

    def _not_audited_lines(self) -> list[str]:
        missing = self.n_not_audited
        if not missing:
            return []
        why = UNREACHABLE if self.unreachable else "see the reasons below"
        lines = [f"pip-audit: {missing} of {self.total} dependencies NOT audited: {why}"]
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
        return lines

    def _vulnerability_lines(self) -> list[str]:
        missing = self.n_not_audited
        if not self.audited:
            lines = [f"vulnerabilities: UNKNOWN ({missing} dependencies not audited)"]
        elif missing:  # never a bare "0": the rest is unknown
            found = (
                f"{len(self.findings)} unwaived and {len(self.waived)} waived"
                if self.findings or self.waived
                else "none found"
            )
            lines = [
                f"vulnerabilities: {found} in the {len(self.audited)} audited;"
                f" UNKNOWN in the {missing} not audited"
            ]
        else:
            lines = [
                f"vulnerabilities found: {len(self.findings) + len(self.waived)}"
                f" ({len(self.findings)} unwaived, {len(self.waived)} waived)"
            ]
        lines += [f"  VULNERABLE {_describe(f)}" for f in self.findings]
        lines += [f"  waived {_describe(f)}: {w.vuln_id}: {w.reason}" for f, w in self.waived]
        if not missing:  # a waiver can only be called stale when everything was audited
            lines += [
                f"  stale waiver (line {w.line}): {w.vuln_id} matched no vulnerability"
                for w in self.unused_waivers
            ]
        return lines

    def _verdict_line(self, require_service: bool) -> str:
        missing = self.n_not_audited
        if self.findings:
            return f"verdict: FAIL (exit 1): {len(self.findings)} unwaived vulnerabilities"
        if missing and self.exit_code(require_service):
            return f"verdict: FAIL (exit 1): {missing} not audited and the service required"
        if missing:
            known = (
                f"no unwaived vulnerability in the {len(self.audited)} audited"
                if self.audited
                else "nothing could be audited"
            )
            return (
                f"verdict: NOT AUDITED (exit 0): {known}; --require-service or"
                " AUDIT_REQUIRE_SERVICE=1 makes this exit 1"
            )
        return "verdict: PASS (exit 0): every dependency audited, none vulnerable"


def _describe(f: Finding) -> str:
    aliases = f" ({', '.join(sorted(f.aliases))})" if f.aliases else ""
    fixed = f", fixed in {', '.join(f.fix_versions)}" if f.fix_versions else ", no fix yet"
    text = f"{f.name} {f.version}: {f.vuln_id}{aliases}{fixed}"
    return f"{text}: {f.description[:120]}" if f.description else text


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
