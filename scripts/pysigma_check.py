"""Loads the whole rule pack with pySigma, so the pack stays usable by other Sigma tools.

Usage: python3 scripts/pysigma_check.py rules/gitlab   (CI runs it in a virtualenv; see .ci/run)
Exits 1 and names each file that pySigma cannot load or whose correlation references dangle.
"""

import pathlib
import sys

from sigma.collection import SigmaCollection


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "rules/gitlab")
    files = sorted(p for p in root.rglob("*.yml") if "tests" not in p.relative_to(root).parts)
    if not files:
        print(f"no rule files under {root}", file=sys.stderr)
        return 1
    collection = SigmaCollection.load_ruleset(files, collect_errors=True)
    failures = []
    for rule in collection.rules:
        for error in rule.errors:
            failures.append(f"{rule.source.path if rule.source else '?'}: {error}")
    try:
        collection.resolve_rule_references()
    except Exception as error:  # pySigma raises its own exception types per reference problem
        failures.append(f"correlation references: {error}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"pySigma loaded {len(collection.rules)} rules from {len(files)} files, {len(failures)} problems")
    return 1 if failures or len(collection.rules) != len(files) else 0


if __name__ == "__main__":
    sys.exit(main())
