"""Time the pages of ``domino-flows ui`` on a large run store: the runs page over 1,000 runs,
and the page, state poll and task panel of a run with 500 nodes; plus ``report --html`` of that
run (every panel, with its log tail, in one file).

The store is written into a temporary project with the store's own tables (bulk inserts, so
building it takes seconds, not the minutes that 1,000 recorded runs take). Each page is asked for
through Starlette's TestClient in this process: the figure is the server's time to read the
store and render the page (what a browser waits for before the first byte, less the network).
One request warms the process (imports, templates); the median and best of ``--rounds`` follow.

With ``--browser``, the two pages are also loaded by headless chromium (Playwright) from the app
served by uvicorn on 127.0.0.1: the figure is the navigation's load event (request, transfer,
parsing, layout of the SVG), the median of ``--rounds`` loads after one.

Run: ``python benchmarks/bench_ui.py [--runs 1000] [--nodes 500] [--rounds 10] [--browser]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flyteidl.core import literals_pb2

from domino_flows.core.clock import now
from domino_flows.records.store import RunStore
from domino_flows.runner.graph_record import GraphNode, save_graph
from domino_flows.runner.state import RunnerState


def literal_map(**values: int) -> bytes:
    literals = literals_pb2.LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals.SerializeToString(deterministic=True)


def build(root: Path, runs: int, nodes: int) -> str:
    """``runs`` finished runs of three flows, then one run of ``nodes`` nodes (ten loaders, a
    wide middle each reading one loader, ten joins); returns the big run's id."""
    (root / ".domino-flows").mkdir(parents=True)
    store = RunStore.for_project(root)
    state = RunnerState(store)
    save_graph(store, "warm-up", [])  # creates every table
    stamp = now()
    flows = ["churn.training", "churn.scoring", "forecast.daily"]
    with store.connect() as db:
        db.executemany(
            "INSERT INTO runs (run_id, flow, backend, state, started_at, finished_at) "
            "VALUES (?,?,?,?,?,?)",
            [
                (
                    f"run-{i:05d}",
                    flows[i % 3],
                    "local",
                    "Failed" if i % 7 == 0 else "Succeeded",
                    stamp,
                    stamp,
                )
                for i in range(runs)
            ],
        )
        db.executemany(
            "INSERT INTO run_meta VALUES (?,?,?,?,?,?,?,?)",
            [
                (f"run-{i:05d}", "/p/flow.py", "wf", literal_map(rows=i), "h", f"{i:040x}", 0, "{}")
                for i in range(runs)
            ],
        )
    big = "run-big"
    graph = [
        GraphNode(f"n{i}", "job", f"flows.load_{i}", (f"flows.load_{i}",), ()) for i in range(10)
    ]
    middle = nodes - 20
    graph += [
        GraphNode(f"n{10 + i}", "job", f"flows.step_{i}", (f"flows.step_{i}",), (f"n{i % 10}",))
        for i in range(middle)
    ]
    graph += [
        GraphNode(
            f"n{10 + middle + j}",
            "job",
            f"flows.join_{j}",
            (f"flows.join_{j}",),
            tuple(f"n{10 + i}" for i in range(j, middle, 10)),
        )
        for j in range(10)
    ]
    save_graph(store, big, graph)
    with store.connect() as db:
        db.execute(
            "INSERT INTO runs (run_id, flow, backend, state, started_at) VALUES (?,?,?,?,?)",
            (big, "wide.flow", "local", "Running", stamp),
        )
        db.execute(
            "INSERT INTO run_meta VALUES (?,?,?,?,?,?,?,?)",
            (big, "/p/wide.py", "wide", literal_map(n=nodes), "h", "f" * 40, 0, "{}"),
        )
        finished = graph[: nodes - 40]  # most done, some running, the joins waiting
        db.executemany(
            "INSERT INTO task_attempts (run_id, task, attempt, state, job_id, url, environment, "
            "hardware_tier, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    big,
                    n.tasks[0],
                    1,
                    "Succeeded" if n in finished else "Running",
                    f"{big}/{n.tasks[0]}/1",
                    "",
                    "Python 3.11",
                    "Small",
                    stamp,
                    stamp if n in finished else None,
                )
                for n in graph[: nodes - 10]
            ],
        )
        db.executemany(
            "INSERT INTO node_results VALUES (?,?,?,?,?,?)",
            [(big, n.path, n.tasks[0], literal_map(), 0, stamp) for n in finished],
        )
    for node in graph:
        folder = root / ".domino-flows" / "jobs" / big / node.tasks[0] / "1"
        folder.mkdir(parents=True)
        (folder / "stdout.log").write_text("".join(f"{node.name} line {k}\n" for k in range(300)))
    del state
    return big


def timed(label: str, rounds: int, call: Callable[[], object]) -> dict[str, object]:
    call()  # warm: imports, templates, SQLite page cache
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    result = {
        "page": label,
        "median_ms": round(statistics.median(times), 1),
        "best_ms": round(min(times), 1),
    }
    print(f"{label:<44} median {result['median_ms']:>7} ms   best {result['best_ms']:>7} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="Also load pages in chromium.")
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from domino_flows.ui.app import create_app
    from domino_flows.ui.model import run_view
    from domino_flows.ui.render import run_page

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        began = time.perf_counter()
        big = build(root, args.runs, args.nodes)
        print(
            f"store: {args.runs + 1} runs, one of {args.nodes} nodes "
            f"(built in {time.perf_counter() - began:.1f} s)"
        )
        client = TestClient(create_app(root / ".domino-flows" / "runs.sqlite"))

        def get(url: str) -> Callable[[], object]:
            def call() -> object:
                answer = client.get(url)
                assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
                return answer

            return call

        store = RunStore(root / ".domino-flows" / "runs.sqlite", create=False)
        results = [
            timed(f"runs page ({args.runs + 1} runs)", args.rounds, get("/")),
            timed("runs page filtered by flow", args.rounds, get("/?flow=churn.scoring")),
            timed(f"run page ({args.nodes} nodes)", args.rounds, get(f"/run?id={big}")),
            timed(f"state poll ({args.nodes} nodes)", args.rounds, get(f"/state?id={big}")),
            timed("task panel with its log", args.rounds, get(f"/panel?id={big}&node=n12")),
            timed(
                f"report --html ({args.nodes} panels and logs)",
                max(1, args.rounds // 5),
                lambda: run_page(store, run_view(store, big), embed=True),
            ),
        ]
        size = len(client.get(f"/run?id={big}").content)
        print(f"run page size: {size / 1024:.0f} KiB")
        if args.browser:
            results += in_browser(root, big, args)
        print(json.dumps(results))


def in_browser(root: Path, big: str, args: argparse.Namespace) -> list[dict[str, object]]:
    import shutil
    import socket
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright

    from domino_flows.ui.app import create_app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    # the 500-node run is Running: its page would poll; a long interval keeps polls out of it
    app = create_app(root / ".domino-flows" / "runs.sqlite", refresh_ms=600_000)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        for label, url in (
            (f"browser: runs page ({args.runs + 1} runs)", base),
            (f"browser: run page ({args.nodes} nodes)", f"{base}run?id={big}"),
        ):

            def load(url: str = url) -> float:
                page.goto(url, wait_until="load")
                return float(
                    page.evaluate(
                        "() => { const t = performance.getEntriesByType('navigation')[0];"
                        " return t.loadEventEnd - t.startTime; }"
                    )
                )

            load()
            times = [load() for _ in range(args.rounds)]
            result = {
                "page": label,
                "median_ms": round(statistics.median(times), 1),
                "best_ms": round(min(times), 1),
            }
            print(
                f"{label:<44} median {result['median_ms']:>7} ms   best {result['best_ms']:>7} ms"
            )
            results.append(result)
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    return results


if __name__ == "__main__":
    main()
