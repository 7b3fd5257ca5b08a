#!/usr/bin/env python3
"""Every #include of engine/, bench/, ui/ and app/ goes to its own layer or a lower one.

The layers, lowest first, are read from docs/ARCHITECTURE.md (between <!-- layers --> and <!-- /layers -->), so the
document and the check cannot disagree. A folder belongs to the deepest layer that names it (engine/FOLDER for the
engine's layers, ui/session before ui). Usage: test_include_order.py SOURCE_DIR
"""
import os
import re
import sys

# Known includes that go up, each with its reason; the test also fails when one of them is gone (so the list
# only shrinks).
EXCEPTIONS = {}
ROOTS = ("engine", "bench", "ui", "app")
SEARCH = ("engine", "ui", "bench", "app", "")  # the include folders of the targets, in CMake's order
SOURCE_EXT = (".h", ".hpp", ".cpp", ".cpp.in")


def layers(root):
    text = open(os.path.join(root, "docs", "ARCHITECTURE.md"), encoding="utf-8").read()
    m = re.search(r"<!-- layers -->(.*?)<!-- /layers -->", text, re.S)
    if not m:
        sys.exit("docs/ARCHITECTURE.md has no <!-- layers --> line")
    names = [n.strip() for n in m.group(1).replace("\n", " ").split("→")]
    engine_folders = {d for d in os.listdir(os.path.join(root, "engine"))
                      if os.path.isdir(os.path.join(root, "engine", d))}
    order = []
    for n in names:
        if n in engine_folders:
            order.append("engine/" + n)
        elif os.path.isdir(os.path.join(root, n)):
            order.append(n)
        else:
            sys.exit(f"docs/ARCHITECTURE.md names the layer '{n}', which is no folder of engine/ or of the tree")
    missing = sorted(engine_folders - {o.split("/", 1)[1] for o in order if o.startswith("engine/")})
    if missing:
        sys.exit("engine folders without a layer in docs/ARCHITECTURE.md: " + ", ".join(missing))
    return order


def layer_of(path, order):
    best = None
    for i, prefix in enumerate(order):
        if path == prefix or path.startswith(prefix + "/"):
            if best is None or len(prefix) > len(order[best]):
                best = i
    return best


def resolve(root, src, inc):
    for base in [os.path.dirname(src)] + list(SEARCH):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    order = layers(root)
    up, seen_exceptions, checked = [], set(), 0
    for top in ROOTS:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith(SOURCE_EXT):
                    continue
                src = os.path.relpath(os.path.join(d, f), root)
                here = layer_of(src, order)
                if here is None:
                    up.append(f"{src}: in no layer of docs/ARCHITECTURE.md")
                    continue
                for n, line in enumerate(open(os.path.join(root, src), encoding="utf-8", errors="replace"), 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    target = resolve(root, src, m.group(1))
                    if target is None:
                        if "/" in m.group(1):  # a project path that names no file: a stale include
                            up.append(f"{src}:{n}: includes {m.group(1)}, which is no file of the tree")
                        continue  # generated (moc, configure_file) or a third-party header
                    there = layer_of(target, order)
                    checked += 1
                    if there is None or there <= here:
                        continue
                    if (src, target) in EXCEPTIONS:
                        seen_exceptions.add((src, target))
                        continue
                    up.append(f"{src}:{n}: includes {target}, which is in {order[there]}, above {order[here]}")
    for (src, target), why in EXCEPTIONS.items():
        if (src, target) not in seen_exceptions:
            up.append(f"{src} no longer includes {target} ({why}): remove it from EXCEPTIONS")
    print(f"layers: {' → '.join(order)}")
    print(f"{checked} includes between project files checked, {len(seen_exceptions)} known exceptions")
    if up:
        print("includes that go up the layers:\n  " + "\n  ".join(up))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
