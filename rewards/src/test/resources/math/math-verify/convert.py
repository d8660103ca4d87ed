#!/usr/bin/env python3
"""Turns the (gold, prediction, expected) cases of Math-Verify's tests/ folder into cases.jsonl.

Usage: convert.py MATH_VERIFY_CHECKOUT COMMIT > cases.jsonl

It reads the test files as Python syntax trees (nothing is imported or run) and keeps every
@pytest.mark.parametrize list whose rows are literal (gold, pred, expected[, ...]) tuples, together
with the configuration the test function passes to Math-Verify: which extraction targets, the
float rounding, strict variable comparison and allow_set_relation_comp.
"""
import ast
import json
import math
import subprocess
import sys

REPO, COMMIT = sys.argv[1], sys.argv[2]
FILES = ["test_all.py", "test_boxed.py", "test_numina_cases.py", "test_open_thoughts.py",
         "test_strict.py", "test_yujianll.py"]
DEFAULT = {"extraction": "LATEX_AND_EXPR", "precision": 6, "strict": True, "allow_set_relation_comp": False}
TARGETS = {("latex", "expr"): "LATEX_AND_EXPR", ("latex",): "LATEX", ("expr",): "EXPR"}


def literal(node):
    # one test builds its gold with an f-string of math.sqrt(17); evaluate that case by hand
    if isinstance(node, ast.JoinedStr):
        return f"{math.sqrt(17):.15f}"
    return ast.literal_eval(node)


def call_config(fn):
    """The configuration a test function passes: keyword arguments of its compare_strings call."""
    cfg = dict(DEFAULT)
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "compare_strings":
            for kw in node.keywords:
                if kw.arg == "match_types":
                    cfg["extraction"] = TARGETS[tuple(ast.literal_eval(kw.value))]
                elif kw.arg == "precision" and isinstance(kw.value, ast.Constant):
                    cfg["precision"] = kw.value.value
                elif kw.arg in ("precision", "strict", "allow_set_relation_comp"):
                    cfg[kw.arg] = "param:" + kw.value.id
    return cfg


out = []
for name in FILES:
    src = subprocess.run(["git", "-C", REPO, "show", f"{COMMIT}:tests/{name}"],
                         check=True, capture_output=True, text=True).stdout
    tree = ast.parse(src)
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        for dec in fn.decorator_list:
            if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                continue
            names = [n.strip() for n in ast.literal_eval(dec.args[0]).split(",")]
            base = call_config(fn)
            for i, row in enumerate(dec.args[1].elts):
                values = dict(zip(names, [literal(e) for e in row.elts]))
                cfg = dict(base)
                for key, value in cfg.items():
                    if isinstance(value, str) and value.startswith("param:"):
                        cfg[key] = values[value[len("param:"):]]
                expected = values.get("expected", values.get("result"))
                out.append({"id": f"{name}::{fn.name}[{i}]", "gold": values["gold"], "pred": values["pred"],
                            "expected": bool(expected), **cfg})
        if fn.name == "test_precision":
            # the one compare_strings call in this test (the others compare sympy objects directly)
            out.append({"id": f"{name}::{fn.name}[latex]", "gold": "$\\frac{1}{3}$", "pred": "0.3333$",
                        "expected": True, **dict(DEFAULT, precision=4)})

for case in out:
    print(json.dumps(case, ensure_ascii=False))
