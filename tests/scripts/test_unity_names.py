#!/usr/bin/env python3
"""No two source files of one unity-built library define a file-local function of the same name.

The engine and the UI compile in unity batches (TS_UNITY, CMakeLists.txt): files share a translation unit, so two
helpers of one name in unnamed namespaces would clash as soon as a new file regroups the batches. This finds
functions defined at the top of an unnamed namespace (a line at column 0 ending in '{') in engine/**.cpp and
ui/**.cpp, and fails on a name defined in two files of one library. Usage: test_unity_names.py SOURCE_DIR
"""
import collections
import glob
import os
import re
import sys

DEF = re.compile(r"^(?:template <[^>]*>\s*)?(?:static\s+|inline\s+|constexpr\s+)*[\w:<>,\s\*&]+?[\s\*&](\w+)\([^;]*\)\s*(?:const\s*)?\{")


def param_types(line):
    """The parameter types of a definition's first line, without names or defaults (overloads may share a name)."""
    inside = line[line.index("(") + 1:]
    depth, params, cur = 0, [], ""
    for ch in inside:
        if ch == ")" and depth == 0:
            break
        depth += ch in "<(" and 1 or 0
        depth -= ch in ">)" and 1 or 0
        if ch == "," and depth == 0:
            params.append(cur)
            cur = ""
        else:
            cur += ch
    params.append(cur)
    types = []
    for p in params:
        p = p.split("=")[0].strip()
        if re.search(r"[\w>\*&]\s+\w+$", p):
            p = re.sub(r"\s*\w+$", "", p)
        types.append(re.sub(r"\s+", " ", p))
    return ", ".join(t for t in types if t)


def local_functions(path):
    names, depth_anon, in_anon = set(), 0, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("namespace {"):
            in_anon = True
            continue
        if in_anon and line.startswith("}  // namespace"):
            in_anon = False
            continue
        if in_anon and not line.startswith((" ", "\t", "}", "/", "#")):
            m = DEF.match(line)
            if m and "::" not in line.split("(")[0]:
                names.add(m.group(1) + "(" + param_types(line) + ")")
    return names


def main(root):
    problems = []
    for lib in ("engine", "ui"):
        seen = collections.defaultdict(list)
        for path in sorted(glob.glob(os.path.join(root, lib, "**", "*.cpp"), recursive=True)):
            if os.sep + "session" + os.sep in path:  # its own library, not unity-built
                continue
            for name in local_functions(path):
                seen[name].append(os.path.relpath(path, root))
        for name, files in sorted(seen.items()):
            if len(files) > 1:
                problems.append(f"{lib}: the file-local function {name} is defined in {', '.join(files)}")
    for p in problems:
        print(p)
    print(f"{len(problems)} clashing names")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
