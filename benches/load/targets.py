#!/usr/bin/env python3
"""Holds one run of benches/load/run.sh to roster's targets (BENCHMARKS.md): reads the
JSON reports in the folder given and prints each target, what was measured, and
whether it was met. Exits 0 when every target was met, 1 otherwise (2: reports
missing)."""

import json
import sys
from pathlib import Path


def load(out: Path, name: str):
    path = out / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def get_p99(report) -> float:
    return next(s["p99_ms"] for s in report["steps"] if s["name"] == "get")


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: targets.py REPORTS_FOLDER", file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    relay, profile = load(out, "relay"), load(out, "profile")
    register = load(out, "register")
    anonymous, logged_in = load(out, "connect-reg"), load(out, "connect-logged-in")
    if None in (relay, profile, register, anonymous, logged_in):
        print(f"{out}: reports missing (run benches/load/run.sh to the end)", file=sys.stderr)
        return 2
    relay_rate = relay["throughput_per_s"]
    open_runs = sorted(
        (r["rate"], r)
        for r in (json.loads(p.read_text()) for p in out.glob("profile-open-*.json"))
    )
    at_target = [r for rate, r in open_runs if rate >= 1.5 * relay_rate * 0.99]
    within = [rate for rate, r in open_runs if get_p99(r) <= 10.0 and not r["errors"]]
    held = logged_in["held"]

    rows = [
        (
            "Profile get >= 1.5 x mosquitto QoS 1 relay",
            f"{profile['throughput_per_s']:,.0f}/s = "
            f"{profile['throughput_per_s'] / relay_rate:.2f} x {relay_rate:,.0f}/s",
            profile["throughput_per_s"] >= 1.5 * relay_rate and not profile["errors"],
        ),
        (
            "... p99 <= 10 ms at that rate (open loop)",
            (
                f"p99 {get_p99(at_target[0]):.1f} ms at {at_target[0]['rate']:,.0f}/s"
                if at_target
                else "no open-loop run at 1.5 x relay"
            )
            + (f"; <= 10 ms up to {max(within):,.0f}/s" if within else ""),
            bool(at_target) and get_p99(at_target[0]) <= 10.0,
        ),
        (
            "complete durable registrations >= 5,000/s",
            f"{register['throughput_per_s']:,.0f}/s",
            register["throughput_per_s"] >= 5000 and not register["errors"],
        ),
        (
            "100,000 idle logged-in sessions",
            f"{held['sessions']:,} held",
            held["sessions"] >= 100_000,
        ),
        (
            "... at <= 2 KiB of server RSS each",
            f"{held['server_bytes_per_session']:,} B",
            held["server_bytes_per_session"] <= 2048,
        ),
        (
            ">= 20,000 CONNECT -> CONNACK per second",
            f"{anonymous['held']['connect_rate_per_s']:,.0f}/s anonymous",
            anonymous["held"]["connect_rate_per_s"] >= 20_000,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for target, measured, met in rows:
        print(f"{'met   ' if met else 'MISSED'} {target:<{width}}  {measured}")
    return 0 if all(met for _, _, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
