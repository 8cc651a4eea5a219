#!/usr/bin/env python3
"""gpu_report_test.py: label `cpu` (ctest runs it with python3). scripts/gpu_report.py on synthetic
logs of scripts/gpu-check.sh: null, NaN and missing figures (nlohmann writes NaN and infinity as
null), missing and garbled files, a check the time budget left out and one not selected. The
report must always be written, say which values were null or missing and which checks did not run
and why, and count only real failures as failures.

Run: python3 tests/bench/gpu_report_test.py (standard library only)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "scripts", "gpu_report.py")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def strict_json(text):
    """json.loads that refuses NaN and infinities, which are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} in report.json")
    return json.loads(text, parse_constant=refuse)


class GpuReport(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.logs = os.path.join(self.folder.name, "logs")
        self.out = os.path.join(self.folder.name, "out")
        os.makedirs(self.logs)
        os.makedirs(self.out)

    def tearDown(self):
        self.folder.cleanup()

    def run_report(self):
        result = subprocess.run([sys.executable, REPORT, self.logs, self.out, "abc123"],
                                capture_output=True, text=True, timeout=60)
        self.assertNotIn("Traceback", result.stderr, result.stderr)
        with open(os.path.join(self.out, "report.md"), encoding="utf-8") as file:
            markdown = file.read()
        with open(os.path.join(self.out, "report.json"), encoding="utf-8") as file:
            report = strict_json(file.read())
        return result.returncode, markdown, report

    def test_nulls_missing_files_and_a_budget_skip(self):
        write(os.path.join(self.logs, "status.txt"), "\n".join([
            "build 0 95", "tests 0 40", "verify 0 4", "verify_odd 0 6", "verify_fused_v1 0 7",
            "verify_fused_v2 not_run_budget 0", "self_check_cost 0 9", "launch 0 2",
            "memcheck 0 5", "racecheck absent 0", "sweep 0 14", "sweep_fused 0 11",
            "bench not_selected 0", "garbage", "total 0 280", ""]))
        write(os.path.join(self.logs, "meta.txt"), "dry_run=0\nbudget_s=285\nonly=\n"
              "sweep_runs=2\nsweep_fused_runs=x\n")
        write(os.path.join(self.logs, "tests.xml"),
              '<testsuite><testcase name="A.B" status="run"/>'
              '<testcase name="C.D" status="notrun"><skipped message="no GPU"/></testcase>'
              '</testsuite>')
        # NaN as nlohmann writes it (null), and as Python would read it (NaN): both allowed.
        write(os.path.join(self.logs, "verify.json"), json.dumps({
            "device": "H200 (sm_90)", "passed": True, "steps": 20, "batch": 256, "hidden": 16,
            "bits": 8, "lr": 4.0, "worst_error_over_tolerance": None, "replay_identical": True,
            "drift_max_abs": None, "drift_max_rel": float("nan"),
            "per_step": [{"tensors": {"outputs": {"max_abs_error": None, "max_rel_error": 1e-7,
                                                  "worst_error_over_tolerance": None},
                                      "loss": {}}},
                         None, {"tensors": None}]}))
        write(os.path.join(self.logs, "verify_odd.json"), "{ not json")
        write(os.path.join(self.logs, "verify_fused_v1.json"), json.dumps({"steps": 2}))
        write(os.path.join(self.logs, "sweep.jsonl"),
              '{"kernel": "chain", "batch": 1, "samples_per_s": null, "step_us": NaN, '
              '"elapsed_samples_per_s": Infinity, "host_draw_samples_per_s": 3e6, '
              '"paced_by": "gpu"}\nnot json\n{"kernel": null}\n')
        write(os.path.join(self.logs, "sweep_fused.jsonl"),
              '{"kernel": "fused-v1", "batch": 4096, "samples_per_s": 1e9, "step_us": 4.1, '
              '"elapsed_samples_per_s": 9e8, "host_draw_samples_per_s": null}\n')
        write(os.path.join(self.logs, "launch.json"), json.dumps({
            "repeats": None, "kernel_launch_us": 2.5, "fused": [{"kernel": "fused-v1"}, 7]}))
        write(os.path.join(self.logs, "self_check.jsonl"),
              '{"mode": "unchecked", "exit": 0, "wall_s": 0.9}\n'
              '{"mode": "checked", "exit": 0, "wall_s": null, "self_check_s": null, '
              '"identical_to_unchecked": true}\n')
        write(os.path.join(self.out, "bench", "results.json"), json.dumps([
            {"backend": "cuda", "variant": None, "batch": 256, "samples_per_s": None,
             "target_reached": True, "steps_to_target": None}]))
        write(os.path.join(self.logs, "verify_fused_v1.log"), "lockstep...\nFAIL\n")

        status, markdown, report = self.run_report()

        # verify_odd's JSON is garbled and verify_fused_v1's lacks "passed": both failed; the
        # budget's skip, the missing sanitizer and the unselected bench are not failures.
        self.assertEqual(status, 1)
        self.assertIn("# carry GPU check: FAIL", markdown)
        self.assertEqual(report["verdicts"]["verify_odd"]["verdict"], "FAIL")
        self.assertEqual(report["verdicts"]["verify_fused_v1"]["verdict"], "FAIL")
        self.assertIn("passed = missing", report["verdicts"]["verify_fused_v1"]["why"])
        self.assertEqual(report["verdicts"]["verify"]["verdict"], "ok")
        self.assertIn("| verify_fused_v2 | not run |", markdown)
        self.assertIn("not run: the time budget was spent", markdown)
        self.assertIn("not run: compute-sanitizer is not installed", markdown)
        self.assertIn("not run: not selected (--only)", markdown)
        self.assertEqual(report["verdicts"]["bench"]["verdict"], "not run")
        # sweep_fused's expected count is unreadable (x): the default, 8, of which it has 1.
        self.assertEqual(report["verdicts"]["sweep_fused"]["verdict"], "FAIL")
        self.assertIn("--only verify_odd,verify_fused_v1,sweep_fused,verify_fused_v2,racecheck",
                      markdown)
        # Null, NaN and missing values are shown and listed.
        self.assertIn("## Values that were null or missing", markdown)
        for entry in ("verify.worst_error_over_tolerance: null", "verify.drift_max_abs: null",
                      "verify.drift_max_rel: nan", "sweep[0].samples_per_s: null",
                      "sweep[0].step_us: nan", "sweep[0].elapsed_samples_per_s: inf",
                      "launch.repeats: null", "launch.graph_1_node_us: missing",
                      "self_check.self_check_s: null", "bench[0].samples_per_s: null"):
            self.assertIn(entry, markdown)
            self.assertIn(entry, report["null_or_missing"])
        self.assertIn("largest error null of its tolerance", markdown)
        self.assertIn("| chain | 1 | null | nan |", markdown)
        self.assertIn("| fused-v1 | 4096 | 1e+09 | 4.1 | 9e+08 | on the GPU |", markdown)
        self.assertEqual(report["sweep"][0]["step_us"], None)  # NaN is not written as NaN
        # The failed check's log is quoted.
        self.assertIn("## Last lines of verify_fused_v1.log", markdown)

    def test_no_logs_at_all(self):
        status, markdown, report = self.run_report()
        self.assertEqual(status, 0)  # nothing failed: nothing ran
        self.assertIn("# carry GPU check: INCOMPLETE", markdown)
        self.assertEqual(report["verdicts"]["build"]["verdict"], "not run")
        self.assertIn("no status recorded", markdown)
        self.assertIn("no figures", markdown)

    def test_a_dry_run_says_so(self):
        write(os.path.join(self.logs, "status.txt"), "build 0 30\nverify 2 1\ntotal 0 40\n")
        write(os.path.join(self.logs, "meta.txt"), "dry_run=1\n")
        write(os.path.join(self.logs, "verify.log"),
              "carry: error: carry verify needs a GPU: no usable GPU: no CUDA driver\n")
        status, markdown, report = self.run_report()
        self.assertEqual(status, 1)
        self.assertTrue(markdown.startswith("# carry GPU check: DRY RUN (no GPU): FAIL"))
        self.assertIn("no usable GPU", markdown)
        self.assertTrue(report["dry_run"])

    def test_the_self_checks_runs(self):
        write(os.path.join(self.logs, "status.txt"), "self_check_cost 0 9\n")
        rows = []
        for run, (unchecked, checked, check) in enumerate([(1.0, 1.02, 0.01), (1.2, 1.21, 0.02),
                                                           (0.9, 0.95, 0.015)]):
            rows.append({"mode": "unchecked", "run": run, "exit": 0, "wall_s": unchecked,
                         "self_check_s": None, "identical_to_unchecked": None})
            rows.append({"mode": "checked", "run": run, "exit": 0, "wall_s": checked,
                         "self_check_s": check, "identical_to_unchecked": True})
        write(os.path.join(self.logs, "self_check.jsonl"),
              "\n".join(json.dumps(r) for r in rows) + "\n")
        _, markdown, report = self.run_report()
        self.assertEqual(report["verdicts"]["self_check_cost"]["verdict"], "ok")
        self.assertEqual(report["self_check"]["self_check_s_median"], 0.015)
        self.assertEqual(report["self_check"]["unchecked_run_wall_s_median"], 1.0)
        self.assertIn("the check is 1.5% of a default run", markdown)
        self.assertIn("Checkpoints with and without the check: identical", markdown)
        # A differing checkpoint fails the check; runs that did not train are not compared.
        rows[1]["identical_to_unchecked"] = False
        rows.append({"mode": "checked", "run": 9, "exit": 2, "wall_s": 0.1,
                     "identical_to_unchecked": None})
        write(os.path.join(self.logs, "self_check.jsonl"),
              "\n".join(json.dumps(r) for r in rows) + "\n")
        status, markdown, report = self.run_report()
        self.assertEqual(status, 1)
        self.assertEqual(report["verdicts"]["self_check_cost"]["verdict"], "FAIL")
        self.assertIn("Checkpoints with and without the check: DIFFERENT", markdown)


if __name__ == "__main__":
    unittest.main(verbosity=2)
