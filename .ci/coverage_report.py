#!/usr/bin/env python3
"""Merges coverlet's cobertura files (one per test project) per assembly and prints line coverage per project.

Usage: coverage_report.py RESULTS_DIR [--min PROJECT=PERCENT ...]

A line is a (source file, line number) pair of a project's assembly. "all tests": covered when any test project's
run hit it, so a library exercised by several test projects (HvCall.Guest by the Guest, Hypervisor, Simulation and
CLI tests) gets the union of their coverage. "own tests": covered by the project's own test project alone
(HvCall.X.Tests); a run is recognised by its test assembly, which .ci/coverage includes with every one of its files
excluded (IncludeTestAssembly plus ExcludeByFile: no lines, no instrumentation cost) and which is left out of the table. Exit status 1 when a project named by --min is below its target on "all tests".
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

# Project -> assembly name, in table order (the CLI and the native library have their own assembly names).
PROJECTS = [("HvCall.Abi", "HvCall.Abi"), ("HvCall.Guest", "HvCall.Guest"), ("HvCall.Hypervisor", "HvCall.Hypervisor"),
            ("HvCall.VmBus", "HvCall.VmBus"), ("HvCall.Simulation", "HvCall.Simulation"),
            ("HvCall.Tracing", "HvCall.Tracing"), ("HvCall.Cli", "hvcall"), ("HvCall.Native", "libhvcall")]


def read(path):
    """{assembly: {(file, line): covered}} of one cobertura file."""
    result = {}
    root = ET.parse(path).getroot()
    sources = [s.text for s in root.iter("source") if s.text]
    for package in root.iter("package"):
        seen = result.setdefault(package.get("name"), {})
        for cls in package.iter("class"):
            filename = resolve(cls.get("filename"), sources)
            for line in cls.iter("line"):
                key = (filename, int(line.get("number")))
                seen[key] = seen.get(key, False) or int(line.get("hits")) > 0
    return result


def resolve(filename, sources):
    """The file's full path: coverlet writes names relative to the run's common source root, which differs between
    runs that instrument different assemblies, so files are compared by full path."""
    if os.path.isabs(filename) or not sources:
        return os.path.normpath(filename)
    for source in sources:
        if os.path.exists(os.path.join(source, filename)):
            return os.path.normpath(os.path.join(source, filename))
    return os.path.normpath(os.path.join(sources[0], filename))


def merge(into, lines):
    for key, covered in lines.items():
        into[key] = into.get(key, False) or covered


def percent(lines):
    """Line coverage in percent; 0 for no lines (nothing measured is not full coverage)."""
    return 100.0 * sum(1 for c in lines.values() if c) / len(lines) if lines else 0.0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    results, minimums, rest = argv[1], {}, argv[2:]
    while rest:
        if rest[0] != "--min" or len(rest) < 2 or "=" not in rest[1]:
            print(__doc__, file=sys.stderr)
            return 2
        name, value = rest[1].split("=", 1)
        minimums[name] = float(value)
        rest = rest[2:]

    files = sorted(glob.glob(os.path.join(results, "**", "coverage.cobertura.xml"), recursive=True))
    if not files:
        print(f"coverage: no coverage.cobertura.xml under {results}", file=sys.stderr)
        return 1

    union, own = {}, {}
    for path in files:
        runs = read(path)
        test_assemblies = [a for a in runs if a.endswith(".Tests")]
        owner = test_assemblies[0][: -len(".Tests")] if len(test_assemblies) == 1 else None
        for assembly, lines in runs.items():
            if assembly.endswith(".Tests"):
                continue
            merge(union.setdefault(assembly, {}), lines)
        for project, assembly in PROJECTS:
            if project == owner and assembly in runs:
                merge(own.setdefault(assembly, {}), runs[assembly])

    known = {assembly for _, assembly in PROJECTS}
    rows = [(p, a) for p, a in PROJECTS if a in union] + sorted((a, a) for a in union if a not in known)
    width = max(len(p) for p, _ in rows + [("project", "")])
    rule = f"{'-' * width}  {'-' * 7}  {'-' * 9}  {'-' * 9}"
    print()
    print(f"{'project':<{width}}  {'lines':>7}  {'all tests':>9}  {'own tests':>9}")
    print(rule)
    total = covered = 0
    below = []
    for project, assembly in rows:
        lines = union[assembly]
        total += len(lines)
        covered += sum(1 for c in lines.values() if c)
        mine = f"{percent(own[assembly]):>8.1f}%" if assembly in own else f"{'-':>9}"
        mark = ""
        if project in minimums:
            mark = f"  target {minimums[project]:g} %"
            if percent(lines) < minimums[project]:
                below.append(f"{project} {percent(lines):.1f} % < {minimums[project]:g} %")
        print(f"{project:<{width}}  {len(lines):>7}  {percent(lines):>8.1f}%  {mine}{mark}")
    print(rule)
    if total == 0:
        below.append("no line was measured (is every source file excluded?)")
    overall = 100.0 * covered / total if total else 0.0
    print(f"{'all':<{width}}  {total:>7}  {overall:>8.1f}%")
    verdict = "below target: " + "; ".join(below) if below else "targets met"
    print(f"coverage: {overall:.1f} % of {total} lines in {len(rows)} projects from {len(files)} test runs; {verdict}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
