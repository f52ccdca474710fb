#!/usr/bin/env python3
"""Score `glir detect` against a labelled stream written by gen.py.

    score.py --glir PATH_TO_GLIR --data DIR [--layout stream|rest|audit_log|all] [--rules DIR]
             [--json OUT]

Runs `glir detect --input FILE --format jsonl` once per layout (stream.jsonl, rest.json,
audit_json.log), reads one alert per stdout line (`rule_id`, `title`, `level`, `event_ids`,
`time`, ...) and maps the event ids to DIR/labels.json. For each level threshold ("alerts at this
level or above") it prints scenario recall, attack-event recall, false alerts per 10,000 benign
events, alert counts and precision, plus the rules with the most false alerts at >= medium, and
the cost of each run (wall time, child CPU seconds, peak RSS). Standard library only.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

LEVELS = ["informational", "low", "medium", "high", "critical"]
RANK = {l: i for i, l in enumerate(LEVELS)}
FILES = {"stream": "stream.jsonl", "rest": "rest.json", "audit_log": "audit_json.log"}


def run_detect(glir, path, rules):
    cmd = [glir, "detect", "--input", path, "--format", "jsonl"]
    for r in rules or []:
        cmd += ["--rules", r]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        # wait4 gives this child's own rusage (peak RSS included), not a running maximum
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    cpu_delta = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    perf = {
        "command": " ".join(cmd),
        "exit_code": p.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu_delta, 3),
        "user_s": round(ru.ru_utime, 3),
        "sys_s": round(ru.ru_stime, 3),
        "peak_rss_mb": round(ru.ru_maxrss / 1024.0, 1),  # Linux: KiB
        "stderr_tail": stderr.strip().splitlines()[-3:],
    }
    if p.returncode not in (0, 1):
        sys.stderr.write("glir detect failed (exit %s) on %s:\n%s\n" % (p.returncode, path, stderr))
        raise SystemExit(2)
    alerts = []
    bad = 0
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            if line:
                bad += 1
            continue
        try:
            alerts.append(json.loads(line))
        except ValueError:
            bad += 1
    perf["unparsed_stdout_lines"] = bad
    return alerts, perf


def score(alerts, labels):
    ev_label = labels["events"]
    scenarios = labels["scenarios"]
    benign = labels["benign_events"]
    n_attack = labels["attack_events"]
    # per alert: level rank, is-true, covered attack ids, covered scenarios
    rows = []
    for a in alerts:
        lvl = RANK.get(str(a.get("level", "")).lower(), 0)
        ids = [str(i) for i in a.get("event_ids") or []]
        hit = [i for i in ids if i in ev_label]
        rows.append((lvl, bool(hit), hit, {ev_label[i] for i in hit}, a))
    out = {}
    for li, lname in enumerate(LEVELS):
        sel = [r for r in rows if r[0] >= li]
        covered = set()
        detected = set()
        n_true = 0
        for lvl, true, hit, scen, _a in sel:
            if true:
                n_true += 1
                covered.update(hit)
                detected |= scen
        n_false = len(sel) - n_true
        undetected = [s["id"] for s in scenarios if s["id"] not in detected]
        per_kind = {}
        for s in scenarios:
            k = per_kind.setdefault(s["kind"], {"detected": 0, "total": 0, "attack_events": 0, "covered": 0})
            k["total"] += 1
            k["detected"] += s["id"] in detected
            k["attack_events"] += len(s["attack_event_ids"])
            k["covered"] += sum(1 for i in s["attack_event_ids"] if str(i) in covered)
        out[lname] = {
            "alerts": len(sel),
            "true_alerts": n_true,
            "false_alerts": n_false,
            "false_per_10k_benign": round(n_false * 10000.0 / benign, 3) if benign else None,
            "precision": round(n_true / len(sel), 4) if sel else None,
            "scenarios_detected": len(detected),
            "scenarios_total": len(scenarios),
            "undetected_scenarios": undetected,
            "attack_events_covered": len(covered),
            "attack_events_total": n_attack,
            "attack_event_recall": round(len(covered) / n_attack, 4) if n_attack else None,
            "per_kind": per_kind,
        }
    fp_rules = {}
    for lvl, true, _hit, _s, a in rows:
        if lvl >= RANK["medium"] and not true:
            key = (a.get("rule_id", "?"), a.get("title", ""), a.get("level", ""))
            fp_rules[key] = fp_rules.get(key, 0) + 1
    top = sorted(fp_rules.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    out["top_false_rules_medium"] = [{"rule_id": k[0], "title": k[1], "level": k[2], "false_alerts": v}
                                     for k, v in top]
    return out


def print_layout(name, res, perf, labels):
    print("== layout %s  (%s)" % (name, perf["command"]))
    print("   exit %s, wall %.2f s, cpu %.2f s (user %.2f + sys %.2f), peak RSS %.1f MB; glir: %s" % (
        perf["exit_code"], perf["wall_s"], perf["cpu_s"], perf["user_s"], perf["sys_s"], perf["peak_rss_mb"],
        " | ".join(perf["stderr_tail"])))
    print("   %d events: %d benign, %d attack in %d scenarios" % (
        labels["benign_events"] + labels["attack_events"], labels["benign_events"], labels["attack_events"],
        len(labels["scenarios"])))
    hdr = "   %-14s %10s %12s %8s %8s %12s %9s" % ("level >=", "scenarios", "attack ev.", "alerts", "false",
                                                   "false/10k", "precision")
    print(hdr)
    for l in LEVELS:
        r = res[l]
        print("   %-14s %4d/%-5d %11.1f%% %8d %8d %12.2f %9s" % (
            l, r["scenarios_detected"], r["scenarios_total"], 100 * (r["attack_event_recall"] or 0),
            r["alerts"], r["false_alerts"], r["false_per_10k_benign"] or 0,
            "%.3f" % r["precision"] if r["precision"] is not None else "-"))
    for l in LEVELS:
        u = res[l]["undetected_scenarios"]
        if u:
            print("   undetected at >= %s: %s" % (l, ", ".join(u)))
    print("   per kind at >= medium (scenarios detected/total, attack events covered/total):")
    for k, v in sorted(res["medium"]["per_kind"].items()):
        print("     %-22s %2d/%-2d  %4d/%-4d" % (k, v["detected"], v["total"], v["covered"], v["attack_events"]))
    if res["top_false_rules_medium"]:
        print("   top rules by false alerts at >= medium:")
        for r in res["top_false_rules_medium"]:
            print("     %6d  %-9s %s  %s" % (r["false_alerts"], r["level"], r["rule_id"], r["title"]))
    print()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--glir", required=True, help="path to the glir binary")
    ap.add_argument("--data", required=True, help="directory written by gen.py")
    ap.add_argument("--layout", default="all", choices=["stream", "rest", "audit_log", "all"])
    ap.add_argument("--rules", action="append", help="rule directory passed to glir (repeatable)")
    ap.add_argument("--json", help="write every number to this JSON file")
    args = ap.parse_args(argv)
    with open(os.path.join(args.data, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    layouts = list(FILES) if args.layout == "all" else [args.layout]
    report = {"data": os.path.abspath(args.data), "glir": args.glir, "rules": args.rules,
              "benign_events": labels["benign_events"], "attack_events": labels["attack_events"],
              "scenarios": len(labels["scenarios"]), "layouts": {}}
    for lay in layouts:
        alerts, perf = run_detect(args.glir, os.path.join(args.data, FILES[lay]), args.rules)
        res = score(alerts, labels)
        print_layout(lay, res, perf, labels)
        report["layouts"][lay] = {"perf": perf, "levels": {l: res[l] for l in LEVELS},
                                  "top_false_rules_medium": res["top_false_rules_medium"]}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
