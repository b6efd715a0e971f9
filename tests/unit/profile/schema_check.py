#!/usr/bin/python3
"""The JSON Schema (lib/profile/profile-v1.schema.json) and ystpcsd's own validation agree: every
shipped example (the text form through `pcsctl profile compile`) is valid under the schema, and
what the schema can express as wrong (an unknown key, a missing maximum time or direction, a
signed magnitude, an unknown action) it refuses, as `pcsctl profile validate` does.

usage: schema_check.py SOURCE_ROOT PCSCTL
"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

root, pcsctl = sys.argv[1], sys.argv[2]
with open(f"{root}/lib/profile/profile-v1.schema.json") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def ystpcs_accepts(doc):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        return subprocess.run([pcsctl, "profile", "validate", f.name], capture_output=True).returncode == 0
    finally:
        os.unlink(f.name)


examples = sorted(glob.glob(f"{root}/examples/profiles/*"))
check(len(examples) >= 4, f"examples found: {examples}")
docs = {}
for path in examples:
    if path.endswith(".json"):
        with open(path) as f:
            docs[path] = json.load(f)
    else:
        out = subprocess.run([pcsctl, "profile", "compile", path], capture_output=True, text=True)
        check(out.returncode == 0, f"{path} compiles: {out.stderr}")
        docs[path] = json.loads(out.stdout) if out.returncode == 0 else {}
for path, doc in docs.items():
    errors = [e.message for e in validator.iter_errors(doc)]
    check(not errors, f"{os.path.basename(path)} is valid under the schema: {errors[:3]}")

base = docs[f"{root}/examples/profiles/capacity-check.json"]
mutations = {
    "unknown key": lambda d: d["steps"][0].update({"current_ma": 5}),
    "no max_time_s": lambda d: d["steps"][0].pop("max_time_s"),
    "no direction": lambda d: d["steps"][0].pop("direction"),
    "negative magnitude": lambda d: d["steps"][0].update({"current_a": -50}),
    "unknown action": lambda d: d["steps"][0]["until"][0].update({"action": "jump"}),
    "rest with a direction": lambda d: d["steps"][1].update({"direction": "charge"}),
    "two quantities in a condition": lambda d: d["steps"][0]["until"][0].update({"time_s": 5}),
    "format version 2": lambda d: d.update({"version": 2}),
}
for name, mutate in mutations.items():
    doc = copy.deepcopy(base)
    mutate(doc)
    check(not validator.is_valid(doc), f"the schema refuses: {name}")
    check(not ystpcs_accepts(doc), f"ystpcs refuses: {name}")

if failures:
    sys.exit(1)
print(f"# schema and validation agree on {len(docs)} examples and {len(mutations)} refusals")
