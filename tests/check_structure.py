#!/usr/bin/env python3
"""The structure rules that keep Pare's code from growing god files, run by CTest on every test run so that later
work cannot undo them unnoticed (README, "Where things are").

    check_structure.py SOURCE_DIR line-limits       no file in core/, ui/ or app/ over 600 lines; MainWindow.cpp < 450
    check_structure.py SOURCE_DIR option-literals   no option value compared with a string literal
    check_structure.py SOURCE_DIR format CLANG_FORMAT   every C++ file as .clang-format says
"""

import re
import subprocess
import sys
from pathlib import Path

ROOTS = ["core", "ui", "app"]
LIMIT = 600
LIMITS = {"MainWindow.cpp": 449}


def sources(top: Path, roots):
    for root in roots:
        yield from sorted(p for p in (top / root).rglob("*") if p.suffix in (".cpp", ".h"))


def line_limits(top: Path) -> list:
    failures = []
    for path in sources(top, ROOTS):
        count = len(path.read_text(encoding="utf-8").splitlines())
        limit = LIMITS.get(path.name, LIMIT)
        if count > limit:
            failures.append(f"{path.relative_to(top)}: {count} lines (at most {limit}); split it by what it holds")
    return failures


def option_literals(top: Path) -> list:
    # The names live once, in the tables of Options.h: {PruneMethod::Filters, "filters"}.
    names = re.findall(r'::\w+, "([a-z0-9-]+)" ?\}', (top / "core/include/pare/Options.h").read_text())
    if len(names) < 20:
        return [f"found only {len(names)} option names in Options.h: its tables changed shape; fix this check"]
    literal = r'(?:"|(?:QLatin1String|QStringLiteral|u)\(")(?:' + "|".join(map(re.escape, names)) + r')"\)?'
    compared = re.compile(r"[=!]=\s*" + literal + "|" + literal + r"\s*[=!]=")
    failures = []
    for path in sources(top, ROOTS):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if compared.search(line):
                failures.append(f"{path.relative_to(top)}:{number}: compares an option value with a string literal "
                                f"(compare the enum of pare/Options.h): {line.strip()}")
    return failures


def format_check(top: Path, clang_format: str) -> list:
    files = [str(p) for p in sources(top, ROOTS + ["tests", "bench"])]
    done = subprocess.run([clang_format, "--dry-run", "--Werror", *files], capture_output=True, text=True)
    if done.returncode == 0:
        return []
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    files_off = sorted({line.split(":", 1)[0] for line in errors})
    return [f"{len(errors)} formatting difference(s) in {len(files_off)} file(s); run clang-format -i on them:"] + \
        [f"  {Path(f).relative_to(top)}" for f in files_off] + ([done.stderr.strip()] if not errors else [])


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    top, mode = Path(sys.argv[1]).resolve(), sys.argv[2]
    if mode == "line-limits":
        failures = line_limits(top)
    elif mode == "option-literals":
        failures = option_literals(top)
    elif mode == "format" and len(sys.argv) == 4:
        failures = format_check(top, sys.argv[3])
    else:
        print(__doc__)
        return 2
    for failure in failures:
        print(failure)
    print(f"{mode}: {'ok' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
