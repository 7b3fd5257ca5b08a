#!/usr/bin/env python3
"""scripts/export-model as users run it: every bad input ends in one line on stderr that names it (exit 2, no
Python traceback, no file left), and what it exports keeps the model's meaning (requires_grad flags, integer
inputs, the batch axis of the chosen output).

Usage: /usr/bin/python3 tests/scripts/test_export_model.py REPO_ROOT TMPDIR   (run by CTest)
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import unittest
import zipfile

ROOT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
TMP = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "/tmp/ts-export-model-test"
EXPORT = os.path.join(ROOT, "scripts", "export-model")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
HEADS = ["user_models.py:make_two_heads", "--input-shape", "4", "--output", "logits"]


def export(*args):
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, EXPORT, *args], capture_output=True, text=True, cwd=FIXTURES)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


def metadata(path):
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith("/extra/tangentscope.json"))
        return json.loads(z.read(name))


class ExportModelTest(unittest.TestCase):
    def setUp(self):
        self.out = os.path.join(TMP, self.id().rsplit(".", 1)[1])
        shutil.rmtree(self.out, ignore_errors=True)
        os.makedirs(self.out)

    def refused(self, needle, *args):
        """Exit status 2 and one line naming the problem; nothing written."""
        code, out, err, _ = export(*args)
        self.assertEqual(code, 2, f"exit status {code}\n{err}")
        self.assertNotIn("Traceback", err)
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertTrue(lines and lines[-1].startswith("export-model: "), err)
        self.assertIn(needle, lines[-1])
        self.assertEqual([f for f in os.listdir(self.out) if f.endswith(".partial")], [])
        return lines[-1]

    def target(self, name="m.pt"):
        return os.path.join(self.out, name)

    def test_missing_class_names_file(self):
        missing = os.path.join(self.out, "none.txt")
        self.refused(f"--class-names @{missing}: cannot read the file", *HEADS, "--class-names", "@" + missing,
                     "--out", self.target())

    def test_huge_input_shape_refused_before_allocating(self):
        code, _, err, seconds = export(HEADS[0], "--input-shape", "100000,100000,100000", "--out", self.target())
        self.assertEqual(code, 2, err)
        self.assertIn("4e+15 values", err)
        self.assertIn("shape of ONE input", err)
        self.assertLess(seconds, 60)

    def test_check_batch_must_be_positive(self):
        self.refused("--check-batch 0: give at least 1", *HEADS, "--check-batch", "0", "--out", self.target())
        self.refused("--check-batch -3: give at least 1", *HEADS, "--check-batch", "-3", "--out", self.target())

    def test_num_classes_must_be_positive(self):
        self.refused("--num-classes 0: give at least 1", "resnet18", "--input-shape", "3,32,32", "--num-classes",
                     "0", "--out", self.target())
        self.refused("--num-classes -2: give at least 1", "resnet18", "--input-shape", "3,32,32", "--num-classes",
                     "-2", "--out", self.target())

    def test_unwritable_out(self):
        self.refused("is a folder", *HEADS, "--out", self.out)
        self.refused("does not exist", *HEADS, "--out", os.path.join(self.out, "no", "m.pt"))
        self.refused("--out '/proc/ts-m.pt': cannot write in /proc", *HEADS, "--out", "/proc/ts-m.pt")

    def test_weights_that_are_not_a_state_dict(self):
        import torch

        whole = os.path.join(self.out, "whole.pth")
        torch.save(torch.nn.Linear(4, 6), whole)
        self.refused("holds a whole model (Linear), not a state dict", *HEADS, "--weights", whole,
                     "--out", self.target())
        listed = os.path.join(self.out, "list.pth")
        torch.save([torch.zeros(3)], listed)
        self.refused("holds a list, not a state dict", *HEADS, "--weights", listed, "--out", self.target())
        checkpoint = os.path.join(self.out, "checkpoint.pth")
        torch.save({"epoch": 3, "weights": {"w": torch.zeros(2)}}, checkpoint)
        self.refused("entries 'epoch', 'weights' are not tensors", *HEADS, "--weights", checkpoint,
                     "--out", self.target())
        text = os.path.join(self.out, "notes.txt")
        with open(text, "w") as f:
            f.write("not weights\n")
        self.refused(f"--weights '{text}' cannot be read", *HEADS, "--weights", text, "--out", self.target())
        self.refused("no such file", *HEADS, "--weights", os.path.join(self.out, "none.pth"), "--out",
                     self.target())

    def test_lstm_state_whose_first_axis_equals_the_batch_by_chance(self):
        lstm = ["torch.nn:LSTM", "--args", "[6, 8, 2]", "--kwargs", '{"batch_first": true}', "--input-shape", "5,6",
                "--check-batch", "2"]
        line = self.refused("the first axis of output 1.0 is not the batch", *lstm, "--output", "1.0",
                            "--out", self.target())
        self.assertIn("0 [2, 5, 8], 1.0 [2, 2, 8], 1.1 [2, 2, 8]", line)
        code, _, err, _ = export(*lstm, "--output", "0", "--out", self.target())
        self.assertEqual(code, 0, err)
        self.assertEqual(metadata(self.target())["output_shape"], [5, 8])

    def test_frozen_flags_kept_and_counted(self):
        code, out, err, _ = export("user_models.py:make_frozen_backbone", "--input-shape", "6", "--out",
                                   self.target())
        self.assertEqual(code, 0, err)
        self.assertIn("435 parameters (51 trainable, 384 frozen)", out)
        self.assertIn("384 of 435 parameters are frozen", err)
        m = metadata(self.target())
        self.assertEqual((m["parameters"], m["trainable_parameters"], m["frozen_parameters"]), (435, 51, 384))
        import torch

        flags = {n: p.requires_grad for n, p in torch.jit.load(self.target()).named_parameters()}
        self.assertEqual(flags, {"backbone.0.weight": False, "backbone.0.bias": False, "backbone.2.weight": False,
                                 "backbone.2.bias": False, "head.weight": True, "head.bias": True})

    def test_frozen_flags_survive_weights(self):
        import sys as _sys

        _sys.path.insert(0, FIXTURES)
        import torch
        import user_models

        weights = os.path.join(self.out, "w.pth")
        torch.save(user_models.make_frozen_backbone().state_dict(), weights)
        code, out, err, _ = export("user_models.py:make_frozen_backbone", "--input-shape", "6", "--weights", weights,
                                   "--trace", "--dtype", "float64", "--out", self.target())
        self.assertEqual(code, 0, err)
        self.assertIn("(51 trainable, 384 frozen)", out)

    def test_no_trainable_parameter(self):
        script = os.path.join(self.out, "all_frozen.py")
        with open(script, "w") as f:
            f.write("import torch\n\ndef make():\n    m = torch.nn.Linear(3, 2)\n    m.requires_grad_(False)\n"
                    "    return m\n")
        self.refused("every parameter of", script + ":make", "--input-shape", "3", "--out", self.target())
        code, out, err, _ = export(script + ":make", "--input-shape", "3", "--all-trainable", "--out", self.target())
        self.assertEqual(code, 0, err)
        self.assertIn("(8 trainable, 0 frozen)", out)

    def test_integer_inputs(self):
        gpt = ["user_models.py:make_tiny_gpt", "--input-shape", "4"]
        self.refused("needs --input-dtype int64 --input-range LOW,HIGH", *gpt, "--out", self.target())
        self.refused("--input-dtype int64 needs --input-range LOW,HIGH", *gpt, "--input-dtype", "int64", "--out",
                     self.target())
        self.refused("LOW must be below HIGH", *gpt, "--input-dtype", "long", "--input-range", "7,7", "--out",
                     self.target())
        self.refused("--input-range is for integer inputs", *HEADS, "--input-range", "0,7", "--out", self.target())
        code, out, err, _ = export(*gpt, "--input-dtype", "long", "--input-range", "0,7", "--out", self.target())
        self.assertEqual(code, 0, err)
        self.assertIn("input [4] int64 in [0, 7)", out)
        m = metadata(self.target())
        self.assertEqual((m["input_dtype"], m["input_range"]), ("int64", [0, 7]))


    def test_full_disk_keeps_the_earlier_file(self):
        """A write that fails (here the file-size limit, as a full disk would) ends in one line, leaves no
        partial file, and the earlier export stays as it was (LibTorch's writer used to abort the process)."""
        code, _, err, _ = export(*HEADS, "--out", self.target())
        self.assertEqual(code, 0, err)
        with open(self.target(), "rb") as f:
            before = f.read()

        def small_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

        r = subprocess.run([sys.executable, EXPORT, *HEADS, "--seed", "3", "--out", self.target()],
                           capture_output=True, text=True, cwd=FIXTURES, preexec_fn=small_files)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("cannot write the file (disk full?)", r.stderr.strip().splitlines()[-1])
        self.assertEqual([f for f in os.listdir(self.out) if f.endswith(".partial")], [])
        with open(self.target(), "rb") as f:
            self.assertEqual(f.read(), before)

if __name__ == "__main__":
    os.makedirs(TMP, exist_ok=True)
    unittest.main(argv=[sys.argv[0], "-v"])
