"""A job's slots are held while its process runs: given back as it ends, taken again to retry."""

import textwrap
import threading

import pytest
from runner_helpers import cli, run_json

from domino_flows.execution import attempt as attempts
from domino_flows.runner.jobs import JobRunner
from domino_flows.runner.slots import Slots


def test_slots_are_taken_while_they_fit_and_given_back_once():
    freed: list[int] = []
    slots = Slots(2, lambda: freed.append(slots.in_use))
    first, second = slots.take(1), slots.take(1)
    assert first is not None and second is not None
    assert slots.take(1) is None and not slots.fits(1)
    first.give_back()
    first.give_back()  # the worker and then the engine: once only
    assert slots.in_use == 1 and freed == [1]
    assert slots.take(5) is None  # wider than the run: it waits until it can run alone
    second.give_back()
    wide = slots.take(5)
    assert wide is not None and wide.width == 2 and slots.in_use == 2
    wide.give_back()
    assert slots.in_use == 0 and freed == [1, 0, 0]


def test_a_retry_waits_for_slots_and_a_stop_ends_the_wait():
    slots = Slots(1, lambda: None)
    lease = slots.take(1)
    assert lease is not None
    lease.give_back()
    other = slots.take(1)  # another job took the freed slot
    assert other is not None
    took: list[bool] = []
    waiting = threading.Thread(target=lambda: took.append(lease.take_again(threading.Event())))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive()  # the retry waits while the other job holds the slot
    other.give_back()
    waiting.join(10)
    assert took == [True] and lease.held and slots.in_use == 1
    lease.give_back()
    blocker = slots.take(1)
    assert blocker is not None
    stop = threading.Event()
    stop.set()
    assert lease.take_again(stop) is False and not lease.held and slots.in_use == 1


@pytest.mark.slow
def test_the_next_job_starts_while_the_last_one_is_still_being_recorded(project, monkeypatch):
    """One slot, three independent tasks: the first job's recording waits until a second job
    has started. Slots held through the recording would never let it start."""
    started = threading.Semaphore(0)
    seen: list[bool] = []
    start, finish = attempts.start, attempts.finish

    def counted_start(*args, **kwargs):
        result = start(*args, **kwargs)
        started.release()
        return result

    def slow_finish(*args, **kwargs):
        if not seen:
            started.acquire()  # this job's own start
            seen.append(started.acquire(timeout=30))  # the next job's
        return finish(*args, **kwargs)

    monkeypatch.setattr(attempts, "start", counted_start)
    monkeypatch.setattr(attempts, "finish", slow_finish)
    result, document = run_json("fanin.py", "fanin", "--input", "pause=0", "--max-parallel", "1")
    assert result.exit_code == 0, result.output
    assert document["success"] is True
    assert seen == [True]


FLAKY = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from flytekit import workflow

    from domino_flows import domino_task

    BOARD = Path(os.environ["BOARD"])


    def _alone(name: str) -> None:
        me = BOARD / f"running-{name}"
        others = list(BOARD.glob("running-*"))
        if others:
            raise SystemExit(f"{name} ran beside {others[0].name}")
        me.touch()
        (BOARD / f"ran-{name}").open("a").write("x")
        me.unlink()


    @domino_task(hardware_tier="Small", retries=1)
    def flaky(name: str) -> str:
        _alone(name)
        if len((BOARD / f"ran-{name}").read_text()) == 1:
            raise RuntimeError("first attempt fails")
        return name


    @domino_task(hardware_tier="Small")
    def steady(name: str) -> str:
        _alone(name)
        return name


    @workflow
    def mixed() -> tuple[str, str, str]:
        return flaky(name="a"), steady(name="b"), steady(name="c")
    """
)


@pytest.mark.slow
def test_a_retry_takes_its_slot_again_so_no_two_jobs_ever_overlap(project, monkeypatch):
    (project / "flaky.py").write_text(FLAKY)
    board = project / "board"
    board.mkdir()
    monkeypatch.setenv("BOARD", str(board))
    held: list[tuple[int, bool]] = []
    attempt = JobRunner._attempt

    def watched(self, spec, *args):
        held.append((spec.attempt, args[-1].held))  # the lease, as the attempt begins
        return attempt(self, spec, *args)

    monkeypatch.setattr(JobRunner, "_attempt", watched)
    result = cli("run", "flaky.py", "mixed", "--max-parallel", "1", "--json")
    assert result.exit_code == 0, result.output
    assert (board / "ran-a").read_text() == "xx"  # retried once, and never beside b or c
    assert sorted(held) == [(1, True), (1, True), (1, True), (2, True)]
