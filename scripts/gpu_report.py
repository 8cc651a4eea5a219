#!/usr/bin/env python3
"""gpu_report.py LOGS OUTDIR COMMIT: turns the logs of scripts/gpu-check.sh into OUTDIR/report.md
and OUTDIR/report.json: the GPU, the commit, every check's verdict (ok, FAIL, or not run and why),
the test results, `carry verify`'s figures, the self-check's cost, the sanitizer summaries, the
launch costs, the step-time sweeps and the bench. Standard library only.

Any figure may be null (nlohmann writes NaN and infinity as null), missing, or not a number, and
any log may be missing or cut short: the report is still written, shows such a value as `null`
or `missing`, and lists every one under "Values that were null or missing". Exit status 1 when a
check failed, 0 otherwise (checks that did not run are listed as "not run", with the reason)."""

import datetime
import json
import math
import os
import sys
import xml.etree.ElementTree as ElementTree

# status.txt holds "NAME STATUS SECONDS": STATUS is an exit status, or one of these words.
NOT_RUN = {
    "not_run_budget": "not run: the time budget was spent",
    "not_selected": "not run: not selected (--only)",
    "absent": "not run: compute-sanitizer is not installed",
    "no_build": "not run: the build failed",
}
# The checks of scripts/gpu-check.sh, in its order; what each needs to count as passed.
CHECKS = ["build", "tests", "verify", "verify_odd", "verify_fused_v1", "verify_fused_v2",
          "memcheck", "racecheck", "memcheck_fused_v1", "racecheck_fused_v1", "memcheck_fused_v2",
          "racecheck_fused_v2", "self_check_cost", "multi_run", "launch", "sweep", "sweep_fused",
          "bench"]
VERIFY_TITLES = {
    "verify": "carry verify (defaults: B 256, H 16, T 8)",
    "verify_odd": "carry verify at odd sizes",
    "verify_fused_v1": "carry verify --kernel fused-v1",
    "verify_fused_v2": "carry verify --kernel fused-v2",
}


class Values:
    """Reads figures out of parsed JSON, remembering every one that was null or missing."""

    def __init__(self):
        self.absent = []

    def get(self, record, *path, where=""):
        value = record
        for key in path:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
                value = value[key]
            else:
                self.absent.append(f"{where}{'.'.join(map(str, path))}: missing")
                return Missing
        if value is None:
            self.absent.append(f"{where}{'.'.join(map(str, path))}: null")
        elif isinstance(value, float) and not math.isfinite(value):
            self.absent.append(f"{where}{'.'.join(map(str, path))}: {value}")
        return value


class _Missing:
    def __repr__(self):
        return "missing"


Missing = _Missing()


def number(value, spec=".3g"):
    """value formatted with spec, or what it is instead: null, missing, nan, inf, or its text."""
    if value is Missing:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return str(value)
    return str(value)


def largest(values):
    """The largest of the finite numbers in values, or None when there is none."""
    finite = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v)]
    return max(finite) if finite else None


def median(values):
    finite = sorted(v for v in values if isinstance(v, (int, float)) and math.isfinite(v))
    return finite[len(finite) // 2] if finite else None


def whole_number(text, default):
    return int(text) if isinstance(text, str) and text.isdigit() else default


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


def read_jsonl(path):
    rows = []
    for line in read(path).splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def read_statuses(logs):
    checks = {}
    for line in read(os.path.join(logs, "status.txt")).splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        status = parts[1]
        seconds = parts[2] if len(parts) > 2 else ""
        checks[parts[0]] = {
            "status": int(status) if status.lstrip("-").isdigit() else status,
            "seconds": int(seconds) if seconds.isdigit() else None,
        }
    return checks


def read_meta(logs):
    meta = {}
    for line in read(os.path.join(logs, "meta.txt")).splitlines():
        key, _, value = line.partition("=")
        if key:
            meta[key.strip()] = value.strip()
    return meta


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
            result["failed"].append({"name": name, "message": message or ""})
        elif skipped is not None or status in ("notrun", "skipped", "disabled"):
            message = skipped.get("message", "") if skipped is not None else status
            result["skipped"].append({"name": name, "message": message or ""})
        else:
            result["passed"] += 1
    return result


def sanitizer_summary(logs, tool):
    text = read(os.path.join(logs, f"{tool}.log"))
    summary = [line.strip() for line in text.splitlines() if "ERROR SUMMARY" in line]
    return summary[-1] if summary else ""


def verdict_of(checks, name, content_ok, content_problem):
    """(verdict, why): ok, FAIL, or "not run"; content_ok says whether the check's figures hold."""
    entry = checks.get(name)
    if entry is None:
        return "not run", "no status recorded"
    status = entry["status"]
    if isinstance(status, str):
        return "not run", NOT_RUN.get(status, status)
    if status == 124:
        return "FAIL", "stopped at its time limit"
    if status != 0:
        return "FAIL", f"exit status {status}"
    if not content_ok:
        return "FAIL", content_problem
    return "ok", ""


def verify_content(figures, values, name):
    if not isinstance(figures, dict):
        return False, "no figures (its JSON is missing or unreadable)"
    passed = values.get(figures, "passed", where=f"{name}.")
    if passed is not True:
        return False, f"its JSON says passed = {number(passed)}"
    return True, ""


def self_check_summary(rows, values):
    """What the self-check costs: its own seconds against a default run's wall time, over the
    runs that trained (exit status 0)."""
    trained = [r for r in rows if r.get("exit") == 0]
    checked = [r for r in trained if r.get("mode") == "checked"]
    unchecked = [r for r in trained if r.get("mode") == "unchecked"]
    compared = [r.get("identical_to_unchecked") for r in rows if r.get("mode") == "checked"
                and isinstance(r.get("identical_to_unchecked"), bool)]
    check_seconds = [values.get(r, "self_check_s", where="self_check.") for r in checked]
    run_seconds = [values.get(r, "wall_s", where="self_check.") for r in unchecked]
    summary = {
        "runs": len(rows),
        "runs_that_trained": len(trained),
        "self_check_s_median": median(check_seconds),
        "unchecked_run_wall_s_median": median(run_seconds),
        "checked_run_wall_s_median": median(
            [values.get(r, "wall_s", where="self_check.") for r in checked]),
        # None when no pair of checkpoints was compared.
        "checkpoints_identical": all(compared) if compared else None,
    }
    if summary["self_check_s_median"] is not None and summary["unchecked_run_wall_s_median"]:
        summary["fraction_of_a_default_run"] = (summary["self_check_s_median"]
                                                / summary["unchecked_run_wall_s_median"])
    else:
        summary["fraction_of_a_default_run"] = None
    return summary


def clean(value):
    """value with NaN and infinities made null, as JSON has neither (the report lists those it
    shows; a figure it does not show is null in report.json all the same)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if value is Missing:
        return None
    return value


def main():
    if len(sys.argv) != 4:
        print("usage: gpu_report.py LOGS OUTDIR COMMIT", file=sys.stderr)
        return 2
    logs, out, commit = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        return write_report(logs, out, commit)
    except Exception:  # still leave a report behind, with the statuses and what went wrong
        import traceback
        problem = traceback.format_exc()
        print(problem, file=sys.stderr)
        write(os.path.join(out, "report.md"),
              "# carry GPU check: report incomplete\n\ngpu_report.py failed while writing the "
              "report (a bug in it; the logs are in logs.tar.gz):\n\n```\n" + problem
              + "```\n\nThe checks' statuses:\n\n```\n"
              + read(os.path.join(logs, "status.txt")) + "```\n")
        write(os.path.join(out, "report.json"),
              json.dumps({"overall": "report incomplete", "error": problem}) + "\n")
        return 1


def write_report(logs, out, commit):
    values = Values()
    checks = read_statuses(logs)
    meta = read_meta(logs)
    dry_run = meta.get("dry_run") == "1"
    tests = read_tests(logs)
    verify = {name: load_json(os.path.join(logs, f"{name}.json")) for name in VERIFY_TITLES}
    sweep = read_jsonl(os.path.join(logs, "sweep.jsonl"))
    sweep_fused = read_jsonl(os.path.join(logs, "sweep_fused.jsonl"))
    launch = load_json(os.path.join(logs, "launch.json"))
    self_check_rows = read_jsonl(os.path.join(logs, "self_check.jsonl"))
    bench = load_json(os.path.join(out, "bench", "results.json"))
    # scripts/gpu-check-sweep.sh's summary lines (it decides its own status).
    multi_run = read(os.path.join(out, "multi_run", "multi-run-summary.txt")).strip()
    gpu = read(os.path.join(logs, "gpu.txt")).strip()
    tools = read(os.path.join(logs, "tools.txt")).strip()
    python = read(os.path.join(logs, "python.txt")).strip()
    expected_sweep = whole_number(meta.get("sweep_runs"), 8)
    expected_sweep_fused = whole_number(meta.get("sweep_fused_runs"), 8)

    content = {name: verify_content(verify[name], values, name) for name in VERIFY_TITLES}
    if tests is None:
        content["tests"] = (False, "no test results (tests.xml missing)")
    elif "error" in tests:
        content["tests"] = (False, tests["error"])
    elif tests["failed"]:
        content["tests"] = (False, f"{len(tests['failed'])} tests failed")
    else:
        content["tests"] = (True, "")
    content["sweep"] = (len(sweep) == expected_sweep,
                        f"{len(sweep)} of {expected_sweep} step timings")
    content["sweep_fused"] = (len(sweep_fused) == expected_sweep_fused,
                              f"{len(sweep_fused)} of {expected_sweep_fused} step timings")
    content["launch"] = (isinstance(launch, dict), "no figures (launch.json missing)")
    self_check = self_check_summary(self_check_rows, values)
    content["self_check_cost"] = (
        self_check["runs"] > 0 and self_check["runs_that_trained"] == self_check["runs"]
        and self_check["checkpoints_identical"] is True,
        "no runs recorded" if not self_check["runs"]
        else "a run failed" if self_check["runs_that_trained"] < self_check["runs"]
        else "a checked run's checkpoint differs from the unchecked run's"
        if self_check["checkpoints_identical"] is False else "no checkpoints compared")
    content["bench"] = (isinstance(bench, list) and len(bench) > 0,
                        "no records (bench/results.json missing or empty)")

    verdicts = {}
    for name in CHECKS + [n for n in checks if n not in CHECKS and n != "total"]:
        ok, problem = content.get(name, (True, ""))
        verdict, why = verdict_of(checks, name, ok, problem)
        if name.startswith(("memcheck", "racecheck")) and verdict == "ok":
            summary = sanitizer_summary(logs, name)
            if summary and "0 errors" not in summary:
                verdict, why = "FAIL", summary
        verdicts[name] = {"verdict": verdict, "why": why,
                          "status": checks.get(name, {}).get("status"),
                          "seconds": checks.get(name, {}).get("seconds")}
    failed = [n for n, v in verdicts.items() if v["verdict"] == "FAIL"]
    not_run = [n for n, v in verdicts.items() if v["verdict"] == "not run"
               and checks.get(n, {}).get("status") != "not_selected"]
    overall = "FAIL" if failed else ("INCOMPLETE" if not_run else "PASS")
    if dry_run:
        overall = f"DRY RUN (no GPU): {overall}"

    device = ""
    for figures in verify.values():
        if isinstance(figures, dict) and isinstance(figures.get("device"), str):
            device = figures["device"]
            break
    if not device and sweep and isinstance(sweep[0].get("device"), str):
        device = sweep[0]["device"]

    md = [f"# carry GPU check: {overall}", ""]
    if dry_run:
        md += ["This machine has no GPU: the tests ran without CARRY_REQUIRE_GPU, so the GPU "
               "tests skipped, and every check that needs a GPU failed for the lack of one. "
               "Only the script and the report were exercised.", ""]
    md += [f"- commit: `{commit}`",
           f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
           f"- GPU: {gpu or 'unknown'}", f"- carry's device: {device or 'none'}",
           f"- tools: {tools.replace(chr(10), '; ') or 'unknown'}",
           f"- peers' python: {python.replace(chr(10), '; ') or 'unknown'}",
           f"- budget: {meta.get('budget_s', '?')} s; checks selected: "
           f"{meta.get('only') or 'all'}", ""]
    md += ["| check | verdict | exit | seconds | why |", "|---|---|---|---|---|"]
    for name, v in verdicts.items():
        md.append(f"| {name} | {v['verdict']} | {'' if v['status'] is None else v['status']} | "
                  f"{'' if v['seconds'] is None else v['seconds']} | {v['why']} |")
    md.append(f"| whole run | | | {number(checks.get('total', {}).get('seconds'))} | |")
    md.append("")
    if failed or not_run:
        if failed:
            md.append(f"Failed: {', '.join(failed)}.")
        if not_run:
            md.append(f"Not run: {', '.join(not_run)}.")
        rerun = [name for name in failed + not_run if name != "build"]  # build always runs
        if rerun:
            md.append(f"Rerun only these: `scripts/gpu-check.sh OUTDIR --only {','.join(rerun)}`.")
        md.append("")

    if tests:
        md.append("## Tests" + ("" if dry_run else " (CARRY_REQUIRE_GPU=1)"))
        if "error" in tests:
            md.append(tests["error"])
        else:
            md.append(f"{tests['passed']} passed, {len(tests['failed'])} failed, "
                      f"{len(tests['skipped'])} skipped, of {tests['total']}.")
            for failure in tests["failed"]:
                md.append(f"- FAILED {failure['name']}: {failure['message'][:300]}")
            for skip in tests["skipped"][:40]:
                md.append(f"- skipped {skip['name']}: {skip['message'][:200]}")
            if len(tests["skipped"]) > 40:
                md.append(f"- ... and {len(tests['skipped']) - 40} more skipped")
        md.append("")

    for name, title in VERIFY_TITLES.items():
        figures = verify[name]
        md.append(f"## {title}")
        if not isinstance(figures, dict):
            md.append("no figures (see logs.tar.gz)")
            md.append("")
            continue
        get = lambda *path: values.get(figures, *path, where=f"{name}.")
        passed = get("passed")
        md.append(f"{'PASS' if passed is True else 'FAIL'}: {number(get('steps'))} steps, "
                  f"batch {number(get('batch'))}, {number(get('hidden'))} hidden, "
                  f"{number(get('bits'))} bits, lr {number(get('lr'))}; largest error "
                  f"{number(get('worst_error_over_tolerance'))} of its tolerance; replay "
                  f"{'bit-identical' if get('replay_identical') is True else 'DIFFERS'}; drift "
                  f"from float64 max abs {number(get('drift_max_abs'))}, max rel "
                  f"{number(get('drift_max_rel'))}.")
        md.append("")
        md.append("| tensor | max abs error | max rel error | worst error/tolerance |")
        md.append("|---|---|---|---|")
        per_step = figures.get("per_step") if isinstance(figures.get("per_step"), list) else []
        for tensor in ("outputs", "loss", "dW0", "dWh", "dW1", "W"):
            tables = [s.get("tensors") for s in per_step if isinstance(s, dict)]
            rows = [t.get(tensor) for t in tables if isinstance(t, dict)]
            rows = [r for r in rows if isinstance(r, dict)]
            if not rows:
                continue
            column = lambda key: [values.get(r, key, where=f"{name}.{tensor}.") for r in rows]
            md.append(f"| {tensor} | {number(largest(column('max_abs_error')))} "
                      f"| {number(largest(column('max_rel_error')))} "
                      f"| {number(largest(column('worst_error_over_tolerance')))} |")
        md.append("")

    md.append("## The self-check's cost (carry train --backend cuda, defaults)")
    if self_check["runs"]:
        identical = {True: "identical", False: "DIFFERENT", None: "not compared"}[
            self_check["checkpoints_identical"]]
        md.append(f"{self_check['runs_that_trained']} of {self_check['runs']} runs trained: the "
                  f"check took {number(self_check['self_check_s_median'])} s (median); a default "
                  f"run without it {number(self_check['unchecked_run_wall_s_median'])} s of wall "
                  f"time, with it {number(self_check['checked_run_wall_s_median'])} s: the check "
                  f"is {number(self_check['fraction_of_a_default_run'], '.1%')} of a default run. "
                  f"Checkpoints with and without the check: {identical}.")
    else:
        md.append("no figures")
    md.append("")

    md.append("## compute-sanitizer")
    for tool in [n for n in verdicts if n.startswith(("memcheck", "racecheck"))]:
        md.append(f"- {tool}: {verdicts[tool]['verdict']}; "
                  f"{sanitizer_summary(logs, tool) or 'no summary line'}")
    md.append("")

    def sweep_table(rows, title, name):
        md.append(f"## {title}")
        if not rows:
            md.append("no figures")
            md.append("")
            return
        md.append("samples/s and µs per step are the GPU's work alone (CUDA events around each "
                  "step's graph); elapsed includes the GPU's idle gaps; host draw is the host's "
                  "batch drawing (the chain; the fused kernels draw on the GPU); the slower of "
                  "GPU and host sets the pace.")
        md.append("")
        md.append("| kernel | batch | samples/s | µs per step | elapsed samples/s "
                  "| host draw samples/s | paced by |")
        md.append("|---|---|---|---|---|---|---|")
        for i, row in enumerate(rows):
            get = lambda key: values.get(row, key, where=f"{name}[{i}].")
            draw = row.get("host_draw_samples_per_s", Missing)
            kernel = row.get("kernel") if isinstance(row.get("kernel"), str) else ""
            on_gpu = draw is None and kernel.startswith("fused")
            md.append(f"| {kernel or 'missing'} | {number(get('batch'))} "
                      f"| {number(get('samples_per_s'))} | {number(get('step_us'), '.1f')} "
                      f"| {number(get('elapsed_samples_per_s'))} "
                      f"| {'on the GPU' if on_gpu else number(draw)} "
                      f"| {number(get('paced_by'))} |")
        md.append("")

    sweep_table(sweep, "Throughput, chain kernels (T 8, H 16)", "sweep")
    sweep_table(sweep_fused, "Throughput, fused kernels (T 8, H 16)", "sweep_fused")

    md.append("## Sweeps on the GPU (the multi-run engine; scripts/gpu-check-sweep.sh)")
    md.append(multi_run if multi_run else "no summary")
    md.append("")

    md.append("## Launch costs (carry time-launch)")
    if isinstance(launch, dict):
        get = lambda *path: values.get(launch, *path, where="launch.")
        md.append(f"Mean of {number(get('repeats'))} back-to-back launches each, CUDA events.")
        md.append("")
        md.append("| what | µs |")
        md.append("|---|---|")
        for key, title in (("kernel_launch_us", "empty kernel launch"),
                           ("graph_1_node_us", "1-node graph replay"),
                           ("graph_3_nodes_us", "3-node graph replay (the fused step's shape)"),
                           ("cooperative_launch_us", "empty cooperative launch"),
                           ("grid_barrier_us", "grid barrier")):
            md.append(f"| {title} | {number(get(key), '.2f')} |")
        md.append("")
        fused = launch.get("fused") if isinstance(launch.get("fused"), list) else []
        if fused:
            md.append("| kernel | H | T | threads | registers | local bytes | shared bytes "
                      "| blocks/SM |")
            md.append("|---|---|---|---|---|---|---|---|")
            for i, k in enumerate(fused):
                if not isinstance(k, dict):
                    continue
                cells = [number(values.get(k, key, where=f"launch.fused[{i}].")) for key in
                         ("kernel", "hidden", "bits", "threads", "registers", "local_bytes",
                          "shared_bytes", "blocks_per_sm")]
                md.append("| " + " | ".join(cells) + " |")
    else:
        md.append("no figures")
    md.append("")

    md.append("## carry bench (cuda, fused kernel, peers beside it)")
    if isinstance(bench, list) and bench:
        md.append("| backend | variant | batch | samples/s | to 100% exact |")
        md.append("|---|---|---|---|---|")
        for i, r in enumerate(bench):
            if not isinstance(r, dict):
                continue
            get = lambda key: values.get(r, key, where=f"bench[{i}].")
            target = (f"{number(get('steps_to_target'))} steps, "
                      f"{number(get('seconds_to_target'))} s"
                      if r.get("target_reached") else "not reached or not measured")
            md.append(f"| {number(get('backend'))} | {number(get('variant'))} "
                      f"| {number(get('batch'))} | {number(get('samples_per_s'))} | {target} |")
        skipped_peers = [line for line in read(os.path.join(logs, "bench.log")).splitlines()
                         if "skipped (" in line]
        for line in skipped_peers:
            md.append(f"- {line.strip()}")
    else:
        md.append("no records")
    md.append("")

    report = {
        "overall": overall, "passed": overall == "PASS", "dry_run": dry_run,
        "commit": commit, "gpu": gpu, "device_seen_by_carry": device, "tools": tools,
        "python": python, "meta": meta, "verdicts": verdicts, "checks": checks, "tests": tests,
        "verify": verify, "self_check": self_check, "sweep": sweep, "sweep_fused": sweep_fused,
        "launch": launch, "bench": bench, "multi_run": multi_run,
    }
    report = clean(report)

    md.append("## Values that were null or missing")
    if values.absent:
        md.append("Shown above as null, missing, nan or inf (nlohmann writes NaN and infinity "
                  "as null):")
        md += [f"- {entry}" for entry in dict.fromkeys(values.absent)]
    else:
        md.append("none")
    md.append("")
    report["null_or_missing"] = list(dict.fromkeys(values.absent))

    for name in failed:
        log = os.path.join(logs, f"{name}.log")
        if os.path.exists(log):
            md.append(f"## Last lines of {name}.log")
            md += ["```", tail(read(log)), "```", ""]

    write(os.path.join(out, "report.json"), json.dumps(report, indent=1, default=str) + "\n")
    write(os.path.join(out, "report.md"), "\n".join(md) + "\n")
    return 1 if failed else 0


def write(path, text):
    """Atomically: a temporary file renamed over the old one."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
