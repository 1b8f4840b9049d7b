"""Issue 25, the smaller file findings: a save onto a symlink replaced the link with a file
(the target kept the old weights), SIGKILLed saves left temporary files nothing cleaned
(25 kills: 20 files, 484 MB), and a file with 100,000 stray members gave a 789,000-character
error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import nn
from nn import ModelFileError
from nn.module import StateDictError


def model(seed: int = 0) -> nn.Module:
    return nn.Sequential(nn.Linear(3, 2, seed=seed))


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.state_dict().values(),
                                                    b.state_dict().values()))


def _temporaries(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_save_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "store" / "weights.npz"
    real.parent.mkdir()
    model(0).save(real)
    link = tmp_path / "current.npz"
    link.symlink_to(os.path.relpath(real, tmp_path))
    new = model(1)
    assert new.save(link) == str(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert _same_weights(model(2).load(real), new)  # the target holds the new weights
    assert _temporaries(tmp_path) == [] and _temporaries(real.parent) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_save_through_a_chain_of_symlinks_and_a_dangling_one(tmp_path):
    real = tmp_path / "a.npz"
    (tmp_path / "b.npz").symlink_to("a.npz")
    (tmp_path / "c.npz").symlink_to("b.npz")
    model(1).save(tmp_path / "c.npz")  # a.npz does not exist yet: the chain dangles
    assert real.is_file() and not real.is_symlink()
    assert (tmp_path / "c.npz").is_symlink() and (tmp_path / "b.npz").is_symlink()
    assert _same_weights(model(0).load(real), model(1))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # gone (its number is not reused this quickly)


def test_the_next_save_removes_what_killed_saves_left(tmp_path):
    target = tmp_path / "m.npz"
    model(0).save(target)
    dead = _dead_pid()
    leftovers = [f".m.npz.{dead}.k2j4x9.tmp", ".m.npz.ab12cd34.tmp"]  # new and old naming
    for name in leftovers:
        (tmp_path / name).write_bytes(b"\0" * 1000)
    old = time.time() - 2 * nn.serialization.STALE_AFTER
    os.utime(tmp_path / leftovers[1], (old, old))
    recent = tmp_path / ".m.npz.zz99yy88.tmp"  # old naming, but maybe a save in progress
    recent.write_bytes(b"")
    busy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        in_progress = tmp_path / f".m.npz.{busy.pid}.q1w2e3.tmp"  # its process is alive
        in_progress.write_bytes(b"")
        other = tmp_path / f".other.npz.{dead}.a1b2c3.tmp"  # another file's: not ours
        other.write_bytes(b"")
        model(1).save(target)
        assert _temporaries(tmp_path) == sorted([recent.name, in_progress.name, other.name])
    finally:
        busy.kill()
        busy.wait()
    assert _same_weights(model(2).load(target), model(1))


def test_a_save_killed_mid_write_is_cleaned_up_by_the_next(tmp_path):
    target = tmp_path / "m.npz"
    model(0).save(target)
    script = textwrap.dedent(f"""
        import os, signal
        import nn, nn.serialization as s
        def killed(fh, arrays):
            fh.write(b"partial" * 1000); fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        s._write_npz = killed
        nn.Sequential(nn.Linear(3, 2, seed=1)).save({str(target)!r})
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", script], env=env, timeout=120)
        assert proc.returncode == -signal.SIGKILL
    assert len(_temporaries(tmp_path)) == 1  # each save removed the previous one's file
    assert _same_weights(model(2).load(target), model(0))  # the old file survived
    model(1).save(target)
    assert _temporaries(tmp_path) == []


def test_100000_stray_members_give_a_short_error(tmp_path):
    path = tmp_path / "stray.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name in model(0).state_dict():
            zf.writestr(name + ".npy", b"")
        for i in range(100_000):
            zf.writestr(f"stray{i}.npy", b"")
        zf.writestr("x" * 5000 + ".npy", b"")
    with pytest.raises(ModelFileError) as info:
        model(0).load(path)
    message = str(info.value)
    assert len(message) < 1500, len(message)
    assert "stray0" in message and "and 99,991 more" in message


def test_load_state_dict_with_many_problems_gives_a_short_error():
    state = {f"junk{i}": np.zeros(1) for i in range(50_000)}
    state["0.weight"] = np.zeros((7, 7))
    with pytest.raises(StateDictError) as info:
        model(0).load_state_dict(state)
    message = str(info.value)
    assert len(message) < 1500, len(message)
    assert "junk0" in message and "and 49,990 more" in message and "0.weight" in message
