#!/usr/bin/env python3
"""Every test function of a test class is listed in its TS_TEST_MAIN.

Built with Qt, QtTest finds the test functions itself; built without Qt (as on the GPU machines) the stand-in of
tests/support/TestHarness.h runs exactly the functions TS_TEST_MAIN lists. A function missing from the list would
silently not run there, and a listed function that no longer exists breaks that build.
Usage: test_harness_lists.py SOURCE_DIR
"""
import glob
import os
import re
import sys

SPECIAL = {"initTestCase", "cleanupTestCase", "init", "cleanup"}


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    problems, classes = [], 0
    for path in sorted(glob.glob(os.path.join(root, "tests", "**", "*.cpp"), recursive=True)):
        text = open(path, encoding="utf-8").read()
        main_call = re.search(r"TS_TEST_MAIN\((?:\w+::)?(\w+)((?:,[^)]*)?)\)", text)
        if not main_call:
            continue
        rel = os.path.relpath(path, root)
        cls = main_call.group(1)
        start = re.search(r"class\s+" + cls + r"\b[^{]*\{", text)
        if not start:
            problems.append(f"{rel}: TS_TEST_MAIN names {cls}, which is not defined here")
            continue
        classes += 1
        body = text[start.end():main_call.start()]
        slots_at = body.find("Q_SLOTS:")
        functions = set(re.findall(r"^\s*void\s+(\w+)\s*\(\s*\)", body[slots_at:], re.M)) - SPECIAL
        listed = [n.strip() for n in main_call.group(2).split(",") if n.strip()]
        qt_only = rel.startswith(os.path.join("tests", "ui", "test_"))  # the window's tests need Qt anyway
        if not listed and not qt_only:
            problems.append(f"{rel}: TS_TEST_MAIN({cls}) lists no test functions")
        if listed:
            for n in sorted(functions - set(listed)):
                problems.append(f"{rel}: {cls}::{n} is not listed in TS_TEST_MAIN (the build without Qt skips it)")
            for n in listed:
                if n not in functions:
                    problems.append(f"{rel}: TS_TEST_MAIN lists {n}, which {cls} does not define")
    print(f"{classes} test classes checked")
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
