#!/usr/bin/env python3
"""Regenerate server/reference/cog/communes.tsv from the INSEE COG communes.

Input: data/communes.json of the npm package @etalab/decoupage-administratif
(e.g. `npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf *.tgz`).

Usage:
    python3 scripts/cog_reference.py package/data/communes.json \
        [server/reference/cog/communes.tsv]

Writes one `CODE<TAB>NAME` line per INSEE commune code, sorted by code, no
header. All entry types are kept (commune-actuelle, commune-deleguee,
commune-associee, arrondissement-municipal); when a code appears more than
once, the commune-actuelle name wins, otherwise the first one seen.
"""
import json
import re
import sys
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "server/reference/cog/communes.tsv"
CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")


def names_by_code(entries):
    names = {}
    for entry in entries:
        code, name = entry["code"], entry["nom"].strip()
        if not CODE.fullmatch(code) or not name or "\t" in name or "\n" in name:
            raise ValueError(f"unexpected entry: {entry!r}")
        if code not in names or entry["type"] == "commune-actuelle":
            names[code] = name
    return names


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    entries = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    out = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUT
    names = names_by_code(entries)
    lines = "".join(f"{code}\t{names[code]}\n" for code in sorted(names))
    out.write_text(lines, encoding="utf-8", newline="\n")
    print(f"{out}: {len(names)} codes", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
