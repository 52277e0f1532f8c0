#!/usr/bin/env python3
"""Print the closing 'N passed, N failed, N skipped' line from JUnit files (ctest's
and the fuzz stage's). A file that is missing or unreadable (its stage did not get
as far as running tests) counts as one failed test."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"summary: {path}: {e}: counted as one failed test", file=sys.stderr)
        failed += 1
        continue
    for case in root.iter("testcase"):
        status = case.get("status", "")
        if case.find("skipped") is not None or status in ("notrun", "disabled"):
            skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None or status == "fail":
            failed += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
