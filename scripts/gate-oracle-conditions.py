#!/usr/bin/env python3
"""Wraps every `.enabled(if: COND` in the given Swift test files as `.enabled(if: Oracles.gate(COND)`,
so TAILGUARD_REQUIRE_ORACLES=1 turns a skip into a run that fails. Idempotent."""
import re
import sys

def wrap(text):
    out, i = [], 0
    key = re.compile(r"\.enabled\(\s*if:\s*")  # also `.enabled(` with `if:` on the next line
    while True:
        found = key.search(text, i)
        if found is None:
            out.append(text[i:])
            return "".join(out)
        k = found.end()
        out.append(text[i:k])
        if text.startswith("Oracles.gate(", k):
            i = k
            continue
        depth, m, quote = 0, k, False
        while m < len(text):
            c = text[m]
            if c == '"' and text[m - 1] != "\\":
                quote = not quote
            elif not quote:
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif c == "," and depth == 0:
                    break
            m += 1
        out.append("Oracles.gate(" + text[k:m].strip() + ")")
        i = m

for path in sys.argv[1:]:
    src = open(path).read()
    new = wrap(src)
    if new != src:
        if "import TailguardTesting" not in new:
            new = new.replace("import Testing\n", "import TailguardTesting\nimport Testing\n", 1)
        open(path, "w").write(new)
        print("gated", path)
