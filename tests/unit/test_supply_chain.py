"""Supply chain: `requirements.lock` pins exactly what the venv holds, and `bench.audit` never
calls an audit that checked nothing a pass.

The lock: every distribution of the project's dependency closure (runtime and test extra, from
the installed metadata) is pinned at its installed version, nothing else is pinned, every
pyproject dependency is pinned inside its range, and the lock holds `==` pins only.

The audit's verdict, on canned pip-audit JSON: a vulnerability exits 1; one waived (by id or
alias) exits 0 and prints the waiver's reason; a waiver without a reason is an error; every
dependency skipped because the service is unreachable prints the loud NOT-audited line and never
"0 vulnerabilities". The last two tests run the real pip-audit against a fake OSV service on
loopback (a vulnerability; a refused connection), so the canned JSON is the real tool's shape.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import socket
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bench import audit
from bench.audit import read_lock
from bench.audit_verdict import NOT_ON_PYPI, Verdict, judge
from bench.audit_waivers import Waiver, WaiverError, read_waivers

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "suzhou-rag"
LOUD = re.compile(r"^pip-audit: (\d+) of (\d+) dependencies NOT audited: (.+)$", re.M)
ZERO_VULNS = re.compile(
    r"\b0 (known )?vulnerab|vulnerabilit\w*( found)?: 0\b|no known vulnerab", re.I
)
"""Any way of saying "0 vulnerabilities" (pip-audit's own: "No known vulnerabilities found")."""


def closure(root: str, extras: set[str]) -> dict[str, str]:
    """Installed distributions `root[extras]` needs, transitively (markers evaluated here):
    canonical name -> installed version."""
    wanted: dict[str, set[str]] = {}
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, with_extras = todo.pop()
        key = canonicalize_name(name)
        if key in wanted and with_extras <= wanted[key]:
            continue
        wanted[key] = wanted.get(key, set()) | with_extras
        for line in md.requires(name) or []:
            req = Requirement(line)
            envs = [{"extra": e} for e in wanted[key] | {""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, set(req.extras)))
    return {key: md.version(key) for key in wanted if key != PROJECT}


@pytest.fixture(scope="module")
def lock() -> dict[str, str]:
    return {canonicalize_name(k): v for k, v in read_lock(ROOT / "requirements.lock").items()}


@pytest.fixture(scope="module")
def installed() -> dict[str, str]:
    return closure(PROJECT, {"test"})


# ------------------------------------------------------------------------------------ the lock


def test_every_distribution_of_the_closure_is_pinned_at_its_installed_version(
    lock, installed
) -> None:
    assert len(installed) > 100  # the closure was walked, not just the project's own line
    wrong = {k: (v, lock.get(k)) for k, v in installed.items() if lock.get(k) != v}
    assert wrong == {}, "installed, lock (regenerate: see requirements.lock's header)"


def test_the_lock_pins_nothing_outside_the_closure(lock, installed) -> None:
    assert sorted(set(lock) - set(installed)) == []


def test_every_pyproject_dependency_is_pinned_within_its_range(lock) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    assert any(r.name == "pip-audit" for r in declared)
    outside = {
        str(r): lock.get(canonicalize_name(r.name))
        for r in declared
        if lock.get(canonicalize_name(r.name)) not in r.specifier
    }
    assert outside == {}


def test_the_lock_has_only_exact_pins() -> None:
    lines = (ROOT / "requirements.lock").read_text("utf-8").splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[\w.+!-]+", p) for p in pins)
    assert len(pins) == len(read_lock(ROOT / "requirements.lock"))  # no name pinned twice


@pytest.mark.parametrize("line", ["numpy>=2", "numpy", "numpy==2.*", "-e .", "numpy~=2.4"])
def test_read_lock_refuses_anything_but_an_exact_pin(tmp_path, line) -> None:
    path = tmp_path / "lock.txt"
    path.write_text(f"# header\nrequests==2.34.2\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lock.txt:3: not an exact"):
        read_lock(path)


def test_make_installs_with_the_lock_as_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^\$\(STAMP\): pyproject\.toml \$\(LOCK\)", makefile, re.M)
    assert "pip install -q --disable-pip-version-check -c $(LOCK) -e '.[test]'" in makefile
    assert "LOCK := requirements.lock" in makefile
    assert "make audit" in (ROOT / ".ci" / "run").read_text("utf-8")


# ------------------------------------------------------------------------- the audit's verdict

PINS = {"requests": "2.34.2", "pip": "23.2.1", "numpy": "2.4.6"}
PIP_VULN = {
    "id": "PYSEC-2023-228",
    "fix_versions": ["23.3"],
    "aliases": ["GHSA-mq26-g339-26xf", "CVE-2023-5752"],
    "description": "Mercurial config injection",
}


def report(pip_vulns: list[dict[str, Any]] | None = None, skipped: tuple[str, ...] = ()) -> str:
    """pip-audit's `-f json` report on PINS (the shape of `pip_audit/_format/json.py`)."""
    deps = []
    for name, version in PINS.items():
        if name in skipped:
            reason = f"{NOT_ON_PYPI} and could not be audited: {name} ({version})"
            deps.append({"name": name, "skip_reason": reason})
        else:
            vulns = (pip_vulns or []) if name == "pip" else []
            deps.append({"name": name, "version": version, "vulns": vulns})
    return json.dumps({"dependencies": deps, "fixes": []})


def shown(verdict: Verdict, require_service: bool = False) -> str:
    return "\n".join(verdict.report(require_service))


def test_a_vulnerability_exits_1_and_is_named() -> None:
    verdict = judge(1, report([PIP_VULN]), "", PINS, {})
    assert verdict.exit_code(False) == 1 and verdict.exit_code(True) == 1
    text = shown(verdict)
    assert "VULNERABLE pip 23.2.1: PYSEC-2023-228" in text and "fixed in 23.3" in text
    assert "verdict: FAIL (exit 1): 1 unwaived" in text
    assert "dependencies audited: 3 of 3" in text and not LOUD.search(text)


def test_a_vulnerability_waived_by_an_alias_exits_0_and_prints_the_reason(tmp_path) -> None:
    path = tmp_path / "waivers.txt"
    path.write_text(
        "# comment\n\nGHSA-mq26-g339-26xf  we never install from Mercurial URLs  # why\n",
        encoding="utf-8",
    )
    waivers = read_waivers(path)
    assert waivers == {
        "GHSA-mq26-g339-26xf": Waiver(
            "GHSA-mq26-g339-26xf", "we never install from Mercurial URLs", 3
        )
    }
    verdict = judge(1, report([PIP_VULN]), "", PINS, waivers)
    assert verdict.exit_code(True) == 0 and not verdict.findings
    text = shown(verdict)
    assert "waived pip 23.2.1: PYSEC-2023-228" in text
    assert "we never install from Mercurial URLs" in text and "verdict: PASS" in text


def test_a_waiver_that_matched_nothing_is_called_stale_once_everything_was_audited() -> None:
    waivers = {"CVE-2000-1": Waiver("CVE-2000-1", "old", 7)}
    assert "stale waiver (line 7): CVE-2000-1" in shown(judge(0, report(), "", PINS, waivers))
    partial = judge(0, report(skipped=("numpy",)), "", PINS, waivers)
    assert "stale" not in shown(partial)  # not audited: it may still match


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GHSA-mq26-g339-26xf\n", ":1: waiver of GHSA-mq26-g339-26xf has no reason"),
        ("# c\nCVE-2023-5752   # only a comment\n", ":2: waiver of CVE-2023-5752 has no reason"),
        ("PYSEC-2023-228: \n", ":1: waiver of PYSEC-2023-228 has no reason"),
        ("pip is fine\n", ":1: 'pip' is not a vulnerability id"),
        ("CVE-1-2 a\nCVE-1-2 b\n", ":2: CVE-1-2 is waived twice"),
    ],
)
def test_a_bad_waiver_is_an_error(tmp_path, text, message) -> None:
    path = tmp_path / "waivers.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaiverError, match=re.escape(message)):
        read_waivers(path)


def test_a_waiver_without_a_reason_fails_the_audit_before_pip_audit_runs(
    tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(audit, "run_pip_audit", lambda *a, **k: pytest.fail("pip-audit ran"))
    (tmp_path / "w.txt").write_text("GHSA-mq26-g339-26xf\n", encoding="utf-8")
    code = audit.main(["--waivers", str(tmp_path / "w.txt")])
    assert code == 1 and "has no reason" in capsys.readouterr().err


def test_every_dependency_skipped_as_not_found_is_the_loud_line_never_0_vulnerabilities() -> None:
    verdict = judge(0, report(skipped=tuple(PINS)), "No known vulnerabilities found", PINS, {})
    text = shown(verdict)
    assert LOUD.findall(text) == [("3", "3", "vulnerability service unreachable")]
    assert "vulnerabilities: UNKNOWN" in text
    assert not ZERO_VULNS.search(text), text
    assert verdict.exit_code(False) == 0 and verdict.exit_code(True) == 1
    assert "verdict: FAIL (exit 1)" in shown(verdict, require_service=True)


@pytest.mark.parametrize(
    "stderr",
    [  # OSV unreachable (DNS, refused) and PyPI timing out: pip-audit dies, no JSON
        "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: "
        "HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded with url: "
        "/v1/query (Caused by NameResolutionError(...))",
        "urllib3.exceptions.NewConnectionError: Failed to establish a new connection: "
        "[Errno 111] Connection refused",
        "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
        "Tip: your network may be blocking this service. Try another service with `-s SERVICE`",
    ],
)
def test_a_connection_failure_is_the_loud_line_for_every_pin(stderr) -> None:
    verdict = judge(1, "", stderr, PINS, {})
    text = shown(verdict)
    assert LOUD.findall(text) == [("3", "3", "vulnerability service unreachable")]
    assert not ZERO_VULNS.search(text) and not verdict.error
    assert verdict.exit_code(False) == 0 and verdict.exit_code(True) == 1


def test_a_pip_audit_failure_that_is_not_the_network_exits_1() -> None:
    verdict = judge(1, "", "ValueError: bad requirement line", PINS, {})
    assert verdict.exit_code(False) == 1 and "bad requirement line" in shown(verdict)
    assert not ZERO_VULNS.search(shown(verdict))


def test_some_dependencies_unknown_to_the_service_are_listed_not_called_unreachable() -> None:
    verdict = judge(0, report(skipped=("numpy",)), "", PINS, {})
    text = shown(verdict)
    assert LOUD.findall(text) == [("1", "3", "see the reasons below")]
    assert "    numpy" in text and "UNKNOWN in the 1 not audited" in text
    assert verdict.exit_code(False) == 0 and verdict.exit_code(True) == 1


def test_a_pin_missing_from_pip_audits_report_counts_as_not_audited() -> None:
    deps = json.loads(report())["dependencies"][:-1]  # numpy left out
    verdict = judge(0, json.dumps({"dependencies": deps}), "", PINS, {})
    assert verdict.not_audited == {"missing from pip-audit's report": ["numpy"]}
    assert verdict.exit_code(True) == 1 and not ZERO_VULNS.search(shown(verdict))


# -------------------------------------------------- the real pip-audit, a fake OSV on loopback


@pytest.fixture
def osv_url() -> Iterator[str]:
    """An OSV `/v1/query` endpoint that knows one vulnerability: PIP_VULN in pip < 23.3."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Silent."""

        def do_POST(self) -> None:  # the base dispatches on this name
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body: dict[str, Any] = {}
            if query["package"]["name"] == "pip" and query["version"] == "23.2.1":
                affected = {
                    "package": {"name": "pip", "ecosystem": "PyPI"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "23.3"}]}
                    ],
                }
                body = {
                    "vulns": [
                        {
                            "id": PIP_VULN["id"],
                            "aliases": PIP_VULN["aliases"],
                            "summary": PIP_VULN["description"],
                            "affected": [affected],
                        }
                    ]
                }
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def small_lock(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    path = tmp_path / "requirements.lock"
    path.write_text("# two pins\nrequests==2.34.2\npip==23.2.1\n", encoding="utf-8")
    return path


def test_real_pip_audit_finds_the_vulnerability_the_service_reports(
    small_lock, osv_url, tmp_path, capsys
) -> None:
    args = ["--lock", str(small_lock), "--waivers", str(tmp_path / "none.txt")]
    code = audit.main([*args, "--vulnerability-service", "osv", "--osv-url", osv_url])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "dependencies audited: 2 of 2" in out and not LOUD.search(out)
    assert "VULNERABLE pip 23.2.1: PYSEC-2023-228 (CVE-2023-5752, GHSA-mq26-g339-26xf)" in out
    (tmp_path / "w.txt").write_text("CVE-2023-5752 no hg+ URLs here\n", encoding="utf-8")
    args[-1] = str(tmp_path / "w.txt")
    code = audit.main([*args, "--vulnerability-service", "osv", "--osv-url", osv_url])
    out = capsys.readouterr().out
    assert code == 0 and "CVE-2023-5752: no hg+ URLs here" in out and "verdict: PASS" in out


def test_real_pip_audit_against_a_refused_service_is_the_loud_line(
    small_lock, tmp_path, capsys
) -> None:
    with socket.socket() as sock:  # a port bound, then released: connections are refused
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/query"
    args = ["--lock", str(small_lock), "--waivers", str(tmp_path / "none.txt")]
    args += ["--vulnerability-service", "osv", "--osv-url", refused]
    assert audit.main(args) == 0
    out = capsys.readouterr().out
    assert LOUD.findall(out) == [("2", "2", "vulnerability service unreachable")]
    assert not ZERO_VULNS.search(out)
    assert audit.main([*args, "--require-service"]) == 1
