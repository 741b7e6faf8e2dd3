"""The benchmarks' memory sampler (bench/proc_memory.py) sees children started from any thread and
their own memory, not their parent's."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from proc_memory import ProcPeaks, fields_mib

HOLD_MIB = 200
# A child that touches HOLD_MIB of its own and holds it for a second.
CHILD = f"import time; b = bytearray({HOLD_MIB} << 20); time.sleep(1.0)"


def test_a_child_started_from_another_thread_is_sampled_with_its_own_memory() -> None:
    before = fields_mib("self", "status", ("VmRSS",))["VmRSS"]
    with ProcPeaks("status", ("VmRSS", "VmHWM"), every_s=0.05) as peaks:
        t = threading.Thread(target=subprocess.run, args=([sys.executable, "-c", CHILD],), kwargs={"check": True})
        t.start()
        t.join()
    assert HOLD_MIB <= peaks.child["VmHWM"] < HOLD_MIB + 100  # the child's own, not this process's too
    assert peaks.children["VmRSS"] >= HOLD_MIB
    assert peaks.together["VmRSS"] >= before + HOLD_MIB * 0.9
    assert peaks.parent["VmRSS"] < before + HOLD_MIB / 2  # this process did not hold it


def test_a_gone_process_reads_as_nothing() -> None:
    assert fields_mib(2**22 + 7, "status", ("VmRSS",)) == {}
