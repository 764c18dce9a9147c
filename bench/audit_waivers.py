"""The audit's waiver file (`audit-waivers.txt`, read by `bench.audit`): one vulnerability id per
line (any id or alias pip-audit reports: PYSEC-…, GHSA-…, CVE-…), then a reason; `#` starts a
comment. A waiver without a reason, an id that is not one, or an id waived twice is an error
naming the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_VULN_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$")


class WaiverError(ValueError):
    """The waiver file is malformed: the message names the line."""


@dataclass(frozen=True)
class Waiver:
    vuln_id: str
    reason: str
    line: int
    """Line number in the waiver file."""


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
