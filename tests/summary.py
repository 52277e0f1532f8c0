#!/usr/bin/env python3
"""Print the closing 'N passed, N failed, N skipped' line from ctest's JUnit file."""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
passed = failed = skipped = 0
for case in root.iter("testcase"):
    status = case.get("status", "")
    if case.find("skipped") is not None or status in ("notrun", "disabled"):
        skipped += 1
    elif case.find("failure") is not None or case.find("error") is not None or status == "fail":
        failed += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
