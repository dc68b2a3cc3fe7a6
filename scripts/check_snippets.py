#!/usr/bin/env python3
"""Checks that every code block the docs quote from a source file is that file's text.

A Markdown file quotes a region like this:

    <!-- snippet: tests/samples/tutorial_test.cpp#timeout -->
    ```cpp
    ...the lines between "// snippet-begin: timeout" and "// snippet-end"...
    ```

The source file is compiled and run by the test suite, so a doc that matches it cannot rot.
Usage: scripts/check_snippets.py [markdown files...]   (default: README.md and docs/*.md)
Exits 1, naming each mismatch, if a quoted block differs from its region or the region is
missing; 0 otherwise.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- snippet: (?P<path>[^#\s]+)#(?P<name>[\w-]+) -->$")


def region(path: pathlib.Path, name: str) -> list[str] | None:
    """The lines between the named begin marker and the next end marker, dedented."""
    lines = path.read_text().splitlines()
    begin = f"snippet-begin: {name}"
    for i, line in enumerate(lines):
        if line.strip().endswith(begin):
            body = []
            for inner in lines[i + 1:]:
                if inner.strip().endswith("snippet-end"):
                    indent = min((len(l) - len(l.lstrip()) for l in body if l.strip()), default=0)
                    return [l[indent:] for l in body]
                body.append(inner)
            return None
    return None


def check(doc: pathlib.Path) -> tuple[int, list[str]]:
    errors, count = [], 0
    lines = doc.read_text().splitlines()
    for i, line in enumerate(lines):
        m = MARKER.match(line.strip())
        if not m:
            continue
        count += 1
        where = f"{doc.relative_to(ROOT)}:{i + 1}"
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            errors.append(f"{where}: snippet marker not followed by a code block")
            continue
        block = []
        for inner in lines[i + 2:]:
            if inner.startswith("```"):
                break
            block.append(inner)
        source = ROOT / m["path"]
        if not source.is_file():
            errors.append(f"{where}: {m['path']} does not exist")
            continue
        expected = region(source, m["name"])
        if expected is None:
            errors.append(f"{where}: no region '{m['name']}' in {m['path']}")
        elif block != expected:
            errors.append(f"{where}: block differs from {m['path']}#{m['name']}")
    return count, errors


def main(argv: list[str]) -> int:
    docs = [pathlib.Path(a).resolve() for a in argv] or [ROOT / "README.md",
                                                         *sorted((ROOT / "docs").glob("*.md"))]
    total, errors = 0, []
    for doc in docs:
        count, errs = check(doc)
        total += count
        errors += errs
    for e in errors:
        print(e, file=sys.stderr)
    print(f"check_snippets: {total} quoted blocks, {len(errors)} mismatches")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
