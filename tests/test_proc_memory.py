"""The benchmarks' memory sampler (bench/proc_memory.py) sees children started from any thread and
their own memory, not their parent's (nor a vfork child's reading of it before its exec)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from proc_memory import KCMP_WORKS, ProcPeaks, fields_mib, shares_our_memory

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


needs_kcmp = pytest.mark.skipif(not KCMP_WORKS, reason="kcmp(2) is refused on this machine")


@needs_kcmp
def test_this_process_shares_its_memory_and_an_execd_or_forked_child_does_not() -> None:
    assert shares_our_memory(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    forked = os.fork()
    if forked == 0:  # a copy of this address space, not this one
        time.sleep(2)
        os._exit(0)
    try:
        time.sleep(0.3)  # the child has exec'd by now
        assert not shares_our_memory(child.pid)
        assert not shares_our_memory(forked)
    finally:
        child.kill()
        child.wait()
        os.kill(forked, 9)
        os.waitpid(forked, 0)


@needs_kcmp
def test_a_child_read_before_its_exec_is_not_read_as_this_process() -> None:
    """subprocess starts a child with vfork: until it execs it shares this process's memory, and a
    reading then saw this process's size as the child's (2.7 GiB inside the test suite).  Read as
    fast as the sampler can while 100 children start, none may read as this process's memory."""
    hold = b"\1" * (HOLD_MIB << 20)  # touched, so this process holds it
    with ProcPeaks("status", ("VmRSS", "VmHWM"), every_s=0.0) as peaks:
        for _ in range(100):
            subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert len(hold) and peaks.parent["VmRSS"] >= HOLD_MIB
    assert peaks.child["VmHWM"] < HOLD_MIB / 2
