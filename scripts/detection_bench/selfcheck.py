#!/usr/bin/env python3
"""Check a directory written by gen.py: selfcheck.py DIR

Every line/element parses as JSON; ids are unique; the stream is sorted by time and REST is
newest first; the three layouts hold the same events (same ids, times and types); labels point at
existing ids and agree with the scenarios' id lists. Exit 1 on the first kind of failure found.
"""

import json
import os
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    d = sys.argv[1]
    stream = {}
    ips = {}
    prev = ""
    with open(os.path.join(d, "stream.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                e = json.loads(line)
            except ValueError as err:
                fail("stream.jsonl:%d: %s" % (n, err))
            if not isinstance(e.get("id"), str):
                fail("stream.jsonl:%d: id is not a string" % n)
            if e["id"] in stream:
                fail("stream.jsonl:%d: duplicate id %s" % (n, e["id"]))
            if e["created_at"] < prev:
                fail("stream.jsonl:%d: not sorted by time" % n)
            prev = e["created_at"]
            for k in ("author_id", "author_name", "entity_id", "entity_type", "entity_path", "target_id",
                      "target_type", "target_details", "ip_address", "event_type", "created_at", "details"):
                if k not in e:
                    fail("stream.jsonl:%d: missing %s" % (n, k))
            if e["details"].get("event_name") != e["event_type"]:
                fail("stream.jsonl:%d: details.event_name differs from event_type" % n)
            stream[e["id"]] = (e["created_at"], e["event_type"])
            ips[e["id"]] = e["ip_address"]
    with open(os.path.join(d, "rest.json"), encoding="utf-8") as f:
        try:
            rest = json.load(f)
        except ValueError as err:
            fail("rest.json: %s" % err)
    seen = set()
    prev = None
    for i, e in enumerate(rest):
        if not isinstance(e.get("id"), int):
            fail("rest.json[%d]: id is not a number" % i)
        k = str(e["id"])
        if k in seen:
            fail("rest.json[%d]: duplicate id" % i)
        seen.add(k)
        if prev is not None and e["id"] > prev:
            fail("rest.json[%d]: not newest first" % i)
        prev = e["id"]
        if stream.get(k) != (e["created_at"], e["event_name"]):
            fail("rest.json[%d]: id %s differs from the stream" % (i, k))
    if len(rest) != len(stream):
        fail("rest.json has %d events, stream %d" % (len(rest), len(stream)))
    seen = set()
    null_ip = 0
    with open(os.path.join(d, "audit_json.log"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                e = json.loads(line)
            except ValueError as err:
                fail("audit_json.log:%d: %s" % (n, err))
            k = str(e.get("id"))
            if k in seen:
                fail("audit_json.log:%d: duplicate id" % n)
            seen.add(k)
            if stream.get(k) != (e["created_at"], e["event_name"]):
                fail("audit_json.log:%d: id %s differs from the stream" % (n, k))
            if "time" not in e or "meta.remote_ip" not in e:
                fail("audit_json.log:%d: missing time or meta.remote_ip" % n)
            if e["time"] < e["created_at"]:
                fail("audit_json.log:%d: time before created_at" % n)
            if e.get("ip_address") is None:
                null_ip += 1
    if len(seen) != len(stream):
        fail("audit_json.log has %d events, stream %d" % (len(seen), len(stream)))
    with open(os.path.join(d, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    ev = labels["events"]
    for k in ev:
        if k not in stream:
            fail("labels.json: event %s does not exist" % k)
    from_scen = {}
    for s in labels["scenarios"]:
        if not s["attack_event_ids"]:
            fail("labels.json: scenario %s has no events" % s["id"])
        for i in s["attack_event_ids"]:
            from_scen[str(i)] = s["id"]
    if from_scen != ev:
        fail("labels.json: events map and scenario lists disagree")
    attacker = {ip: s["id"] for s in labels["scenarios"] for ip in s.get("attacker_ips", [])}
    for k, ip in ips.items():
        if ip in attacker and k not in ev:
            fail("attacker address %s (%s) appears in benign event %s" % (ip, attacker[ip], k))
    if labels["attack_events"] != len(ev) or labels["benign_events"] != len(stream) - len(ev):
        fail("labels.json: counts are wrong")
    print("ok: %d events in each layout (%d benign, %d attack, %d scenarios); audit_json.log lines with a null "
          "ip_address: %.0f%%" % (len(stream), labels["benign_events"], labels["attack_events"],
                                   len(labels["scenarios"]), 100.0 * null_ip / len(stream)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
