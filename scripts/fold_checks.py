"""Fold every check cell of the given notebooks (book/_ext/course_checks.py says how and why).

    .venv/bin/python scripts/fold_checks.py book/*.ipynb
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import course_checks  # noqa: E402


def main(paths) -> int:
    for path in paths:
        nb = json.loads(Path(path).read_text())
        changed = course_checks.fold(nb)
        if changed:
            Path(path).write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"{path}: {changed} check cell(s) folded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
