"""Check the second-annotator files in this folder against their articles' units.

Run from the repository root: ``python tests/data/agreement/check.py``. For each file it checks
that every unit entry's text is a prefix of exactly one claim unit, that the entries cover every
claim unit once and in order, that every mention surface occurs in the unit in order, and that
every actor and source named in a unit is in the file's ``actors`` list.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE.parent / "articles"
STANCES = {"favor", "against", "neutral", None}
TYPES = {"person", "location", "organisation", "group"}
ACTOR_TYPES = {"person", "country", "organisation", "group", "other"}


def check(path: Path) -> list[str]:
    errors: list[str] = []
    gold = json.loads(path.read_text(encoding="utf-8"))
    name = gold["article"]
    if name != path.stem:
        errors.append(f"article {name!r} != file name {path.stem!r}")
    units = json.loads((ARTICLES / f"{name}.json").read_text(encoding="utf-8"))["units"]
    claims = [u["text"] for u in units if u["is_claim"]]
    names = [a["name"] for a in gold["actors"]]
    if len(set(names)) != len(names):
        errors.append("duplicate actor names")
    for actor in gold["actors"]:
        if actor["type"] not in ACTOR_TYPES:
            errors.append(f"actor {actor['name']!r}: bad type {actor['type']!r}")
    known = set(names)
    found = []
    for entry in gold["units"]:
        prefix = entry["text"]
        hits = [i for i, text in enumerate(claims) if text.startswith(prefix)]
        if len(hits) != 1:
            errors.append(f"{prefix!r}: prefix of {len(hits)} claim units")
            continue
        text = claims[hits[0]]
        found.append(hits[0])
        pos = 0
        for surface, kind in entry["mentions"]:
            if kind not in TYPES:
                errors.append(f"{prefix!r}: mention {surface!r} has bad type {kind!r}")
            at = text.find(surface, pos)
            if at < 0:
                errors.append(f"{prefix!r}: mention {surface!r} not found in order")
            else:
                pos = at + len(surface)
        for actor, stance in entry["actors"].items():
            if actor not in known:
                errors.append(f"{prefix!r}: actor {actor!r} not in the actors list")
            if stance not in STANCES:
                errors.append(f"{prefix!r}: bad stance {stance!r}")
        source = entry["source"]
        if source is not None and source not in known:
            errors.append(f"{prefix!r}: source {source!r} not in the actors list")
    if found != list(range(len(claims))):
        errors.append(f"entries cover claim units {found}, expected 0..{len(claims) - 1} in order")
    return errors


def main() -> int:
    bad = 0
    for path in sorted(HERE.glob("*.json")):
        errors = check(path)
        gold = json.loads(path.read_text(encoding="utf-8"))
        status = "ok" if not errors else "FAILED"
        print(f"{path.name}: {len(gold['units'])} claim units, {len(gold['actors'])} actors, {status}")
        for error in errors:
            print("  " + error)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
