#!/usr/bin/env python3
"""Where a process's resident memory is, from /proc/PID/smaps (issue 9, BENCHMARKS.md).

Groups the mappings: the executable's code, read-only data, relocated read-only data (RELRO: read-only
now, but written by the loader, so its pages are private copies), writable data; the heap; other
anonymous memory (thread stacks, mmap'd malloc arenas, the audio rings); each shared library; the rest.
For each group: Rss, Pss, Private_Dirty and Anonymous in kB.

Usage: scripts/smaps_summary.py PID|SMAPS_FILE [EXECUTABLE]   (bench.sh imports it too)
"""
import os
import sys

FIELDS = ("Rss", "Pss", "Private_Dirty", "Anonymous")


def parse(text):
    """The mappings of smaps text: dicts with start, end, perms, path and the kB fields."""
    mappings = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if "-" in parts[0] and not parts[0].endswith(":") and len(parts) >= 5:
            start, end = (int(x, 16) for x in parts[0].split("-"))
            mappings.append({"start": start, "end": end, "perms": parts[1],
                             "path": " ".join(parts[5:]) if len(parts) > 5 else ""})
        elif mappings and parts[0].endswith(":") and len(parts) >= 2 and parts[1].isdigit():
            mappings[-1][parts[0][:-1]] = int(parts[1])
    return mappings


def group_of(mapping, executable):
    path, perms = mapping["path"], mapping["perms"]
    if executable and path == executable:
        if "x" in perms:
            return "exe code"
        if "w" in perms:
            return "exe data (.data, .bss)"
        return "exe RELRO (relocated)" if mapping.get("Anonymous", 0) else "exe read-only data"
    if path == "[heap]":
        return "heap"
    if path == "":
        return "anonymous (stacks, arenas, rings)"
    if path.startswith("/") and (".so" in os.path.basename(path)):
        return "lib " + os.path.basename(path).split(".so")[0]
    return "other " + path


def summarize(text, executable=None):
    """{group: {field: kB}} plus a "total" group, groups in descending Rss order."""
    groups = {}
    total = dict.fromkeys(FIELDS, 0)
    for mapping in parse(text):
        values = groups.setdefault(group_of(mapping, executable), dict.fromkeys(FIELDS, 0))
        for field in FIELDS:
            values[field] += mapping.get(field, 0)
            total[field] += mapping.get(field, 0)
    ordered = dict(sorted(groups.items(), key=lambda item: -item[1]["Rss"]))
    ordered["total"] = total
    return ordered


def render(groups, minimum_kb=64):
    lines = [f"{'mapping group':<36} {'Rss':>7} {'Pss':>7} {'PrivDirty':>9} {'Anon':>7}  (kB)"]
    small = dict.fromkeys(FIELDS, 0)
    for name, values in groups.items():
        if name != "total" and values["Rss"] < minimum_kb:
            for field in FIELDS:
                small[field] += values[field]
            continue
        if name == "total" and any(small.values()):
            lines.append(f"{'(smaller groups)':<36} " + " ".join(f"{small[f]:>{w}}" for f, w in zip(FIELDS, (7, 7, 9, 7))))
        lines.append(f"{name[:36]:<36} " + " ".join(f"{values[f]:>{w}}" for f, w in zip(FIELDS, (7, 7, 9, 7))))
    return "\n".join(lines)


if __name__ == "__main__":
    source = sys.argv[1]
    if source.isdigit():
        executable = sys.argv[2] if len(sys.argv) > 2 else os.readlink(f"/proc/{source}/exe")
        source = f"/proc/{source}/smaps"
    else:
        executable = sys.argv[2] if len(sys.argv) > 2 else None
    print(render(summarize(open(source).read(), executable)))
