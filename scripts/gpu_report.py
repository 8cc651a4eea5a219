#!/usr/bin/env python3
"""gpu_report.py LOGS OUTDIR COMMIT: turns the logs of scripts/gpu-check.sh into OUTDIR/report.md
and OUTDIR/report.json (the GPU, the commit, the status of every check, the test results,
`carry verify`'s figures, the sanitizer summaries and the throughput sweep). Standard library only.
Exit status 0 when every check passed, 1 otherwise."""

import datetime
import json
import os
import sys
import xml.etree.ElementTree as ElementTree


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return default


def tail(text, lines=25):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def load_json(path):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def read_statuses(logs):
    checks = {}
    for line in read(os.path.join(logs, "status.txt")).splitlines():
        parts = line.split()
        if len(parts) == 3:
            status = parts[1]
            checks[parts[0]] = {
                "status": int(status) if status.lstrip("-").isdigit() else status,
                "seconds": int(parts[2]),
            }
    return checks


def read_tests(logs):
    """Counts and names from ctest's JUnit file."""
    path = os.path.join(logs, "tests.xml")
    if not os.path.exists(path):
        return None
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        return {"error": f"tests.xml unreadable: {error}"}
    result = {"total": 0, "passed": 0, "failed": [], "skipped": []}
    for case in root.iter("testcase"):
        result["total"] += 1
        name = case.get("name", "?")
        status = case.get("status", "run")
        failure = case.find("failure")
        skipped = case.find("skipped")
        if failure is not None or status == "fail":
            message = failure.get("message", "") if failure is not None else ""
            result["failed"].append({"name": name, "message": message})
        elif skipped is not None or status in ("notrun", "skipped", "disabled"):
            message = skipped.get("message", "") if skipped is not None else status
            result["skipped"].append({"name": name, "message": message})
        else:
            result["passed"] += 1
    return result


def sanitizer_summary(logs, tool):
    text = read(os.path.join(logs, f"{tool}.log"))
    summary = [line.strip() for line in text.splitlines() if "ERROR SUMMARY" in line]
    return summary[-1] if summary else ""


def read_sweep(logs, name="sweep.jsonl"):
    rows = []
    for line in read(os.path.join(logs, name)).splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
    return rows


def check_passed(checks, name):
    return name in checks and checks[name]["status"] == 0


def main():
    logs, out, commit = sys.argv[1], sys.argv[2], sys.argv[3]
    checks = read_statuses(logs)
    tests = read_tests(logs)
    verify = load_json(os.path.join(logs, "verify.json"))
    verify_odd = load_json(os.path.join(logs, "verify_odd.json"))
    sweep = read_sweep(logs)
    verify_fused = {version: load_json(os.path.join(logs, f"verify_fused_{version}.json"))
                    for version in ("v1", "v2")}
    sweep_fused = read_sweep(logs, "sweep_fused.jsonl")
    launch = load_json(os.path.join(logs, "launch.json"))
    gpu = read(os.path.join(logs, "gpu.txt")).strip()
    tools = read(os.path.join(logs, "tools.txt")).strip()
    sanitizers = {
        tool: {
            "status": checks.get(tool, {}).get("status", "not run"),
            "summary": sanitizer_summary(logs, tool),
        }
        for tool in ("memcheck", "racecheck", "memcheck_fused_v1", "racecheck_fused_v1",
                     "memcheck_fused_v2", "racecheck_fused_v2")
    }
    sanitizer_ok = all(s["status"] in (0, "absent") for s in sanitizers.values())
    verdicts = {
        "build": check_passed(checks, "build"),
        "tests": check_passed(checks, "tests") and bool(tests) and not tests.get("failed"),
        "verify": check_passed(checks, "verify") and bool(verify) and verify.get("passed", False),
        "verify_odd": check_passed(checks, "verify_odd")
        and bool(verify_odd)
        and verify_odd.get("passed", False),
        "sweep": check_passed(checks, "sweep") and len(sweep) == 8,
        "verify_fused_v1": check_passed(checks, "verify_fused_v1")
        and bool(verify_fused["v1"])
        and verify_fused["v1"].get("passed", False),
        "verify_fused_v2": check_passed(checks, "verify_fused_v2")
        and bool(verify_fused["v2"])
        and verify_fused["v2"].get("passed", False),
        "sweep_fused": check_passed(checks, "sweep_fused") and len(sweep_fused) == 8,
        "launch": check_passed(checks, "launch") and bool(launch),
        "sanitizers": sanitizer_ok,
    }
    passed = all(verdicts.values())

    device = (verify or {}).get("device") or (sweep[0]["device"] if sweep else "")
    report = {
        "passed": passed,
        "verdicts": verdicts,
        "commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpu": gpu,
        "device_seen_by_carry": device,
        "tools": tools,
        "checks": checks,
        "tests": tests,
        "verify": verify,
        "verify_odd_sizes": verify_odd,
        "sanitizers": sanitizers,
        "sweep": sweep,
        "verify_fused": verify_fused,
        "sweep_fused": sweep_fused,
        "launch": launch,
    }
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as file:
        json.dump(report, file, indent=1)
        file.write("\n")

    md = [f"# carry GPU check: {'PASS' if passed else 'FAIL'}", ""]
    md += [f"- commit: `{commit}`", f"- date: {report['date']}", f"- GPU: {gpu or 'unknown'}",
           f"- carry's device: {device or 'none'}"]
    md += [f"- tools: {tools.replace(chr(10), '; ')}", ""]
    md += ["| check | verdict | exit | seconds |", "|---|---|---|---|"]
    names = {"verify": "verify", "verify_odd": "verify_odd", "sanitizers": None}
    for key, ok in verdicts.items():
        if key == "sanitizers":
            for tool, s in sanitizers.items():
                seconds = checks.get(tool, {}).get("seconds", "")
                if s["status"] == 124:
                    s["summary"] = s["summary"] or "stopped at its time limit"
                md.append(f"| {tool} | {'ok' if s['status'] in (0, 'absent') else 'FAIL'}"
                          f"{' (not installed)' if s['status'] == 'absent' else ''} "
                          f"| {s['status']} | {seconds} |")
            continue
        entry = checks.get(names.get(key, key), {})
        status = entry.get("status", "not run")
        shown = "124 (time limit)" if status == 124 else status
        md.append(f"| {key} | {'ok' if ok else 'FAIL'} | {shown} | {entry.get('seconds', '')} |")
    md.append(f"| whole run | | | {checks.get('total', {}).get('seconds', '')} |")
    md.append("")

    if tests:
        md.append("## Tests (CARRY_REQUIRE_GPU=1)")
        if "error" in tests:
            md.append(tests["error"])
        else:
            md.append(f"{tests['passed']} passed, {len(tests['failed'])} failed, "
                      f"{len(tests['skipped'])} skipped, of {tests['total']}.")
            for failure in tests["failed"]:
                md.append(f"- FAILED {failure['name']}: {failure['message'][:300]}")
            for skip in tests["skipped"]:
                md.append(f"- skipped {skip['name']}: {skip['message'][:200]}")
        md.append("")

    for title, figures in (("carry verify (defaults)", verify),
                           ("carry verify (B 65537, H 7, T 16)", verify_odd),
                           ("carry verify --kernel fused-v1 (B 65537, H 64, T 16)",
                            verify_fused["v1"]),
                           ("carry verify --kernel fused-v2 (B 65537, H 16, T 8)",
                            verify_fused["v2"])):
        md.append(f"## {title}")
        if not figures:
            md.append("no figures (see logs.tar.gz)")
        else:
            md.append(f"{'PASS' if figures['passed'] else 'FAIL'}: {figures['steps']} steps, "
                      f"batch {figures['batch']}, {figures['hidden']} hidden, "
                      f"{figures['bits']} bits, lr {figures['lr']}; largest error "
                      f"{figures['worst_error_over_tolerance']:.3g} of its tolerance; replay "
                      f"{'bit-identical' if figures['replay_identical'] else 'DIFFERS'}; drift "
                      f"from float64 max abs {figures['drift_max_abs']:.3g}, max rel "
                      f"{figures['drift_max_rel']:.3g}.")
            md.append("")
            md.append("| tensor | max abs error | max rel error | worst error/tolerance |")
            md.append("|---|---|---|---|")
            for name in ("outputs", "loss", "dW0", "dWh", "dW1", "W"):
                steps = [s["tensors"][name] for s in figures["per_step"] if name in s["tensors"]]
                if steps:
                    md.append(f"| {name} | {max(s['max_abs_error'] for s in steps):.3g} "
                              f"| {max(s['max_rel_error'] for s in steps):.3g} "
                              f"| {max(s['worst_error_over_tolerance'] for s in steps):.3g} |")
        md.append("")

    md.append("## compute-sanitizer")
    for tool, s in sanitizers.items():
        md.append(f"- {tool}: exit {s['status']}; {s['summary'] or 'no summary line'}")
    md.append("")

    md.append("## Throughput (cuda, CUDA events, 300 steps after 30 warm-up, T 8, H 16)")
    if sweep:
        md.append("| batch | samples/s | µs per step |")
        md.append("|---|---|---|")
        for row in sweep:
            md.append(f"| {row['batch']} | {row['samples_per_s']:.3g} | {row['step_us']:.1f} |")
    else:
        md.append("no figures")
    md.append("")
    md.append("## Throughput, fused kernels (same timing)")
    if sweep_fused:
        md.append("| kernel | batch | samples/s | µs per step |")
        md.append("|---|---|---|---|")
        for row in sweep_fused:
            md.append(f"| {row.get('kernel', '')} | {row['batch']} | {row['samples_per_s']:.3g} "
                      f"| {row['step_us']:.1f} |")
    else:
        md.append("no figures")
    md.append("")

    md.append("## Launch costs (carry time-launch)")
    if launch:
        md.append(f"Mean of {launch['repeats']} back-to-back launches each, CUDA events.")
        md.append("")
        md.append("| what | µs |")
        md.append("|---|---|")
        for key, title in (("kernel_launch_us", "empty kernel launch"),
                           ("graph_1_node_us", "1-node graph replay"),
                           ("graph_3_nodes_us", "3-node graph replay (the fused step's shape)"),
                           ("cooperative_launch_us", "empty cooperative launch"),
                           ("grid_barrier_us", f"grid barrier ({launch['barrier_blocks']} blocks "
                                               f"x {launch['barrier_threads']} threads)")):
            md.append(f"| {title} | {launch[key]:.2f} |")
        md.append("")
        md.append("| kernel | H | T | threads | registers | local bytes | shared bytes "
                  "| blocks/SM |")
        md.append("|---|---|---|---|---|---|---|---|")
        for k in launch.get("fused", []):
            md.append(f"| {k['kernel']} | {k['hidden']} | {k['bits']} | {k['threads']} "
                      f"| {k['registers']} | {k['local_bytes']} | {k['shared_bytes']} "
                      f"| {k['blocks_per_sm']} |")
    else:
        md.append("no figures")
    md.append("")

    failing_logs = [name for name, entry in checks.items()
                    if entry["status"] not in (0, "absent") and name != "total"]
    for name in failing_logs:
        log = "tests" if name == "tests" else name
        md.append(f"## Last lines of {log}.log")
        md += ["```", tail(read(os.path.join(logs, f"{log}.log"))), "```", ""]

    with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as file:
        file.write("\n".join(md) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
