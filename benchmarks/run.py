"""Run the dockermig benchmarks and write docs/benchmarks.md. Called by scripts/benchmark.

Usage: python benchmarks/run.py --venv VENV --work DIR --out FILE
           [--skip-images] [--images-json FILE]

VENV contains dockermig and hadolint (bin/dockermig, bin/hadolint), and
DIR is a scratch folder. Each figure is a median of repeated runs: hyperfine for the
wall times, GNU time for CPU time and peak memory (maximum resident set).
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from report import render_report  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
ONE_FILE_RUNS = 30
CORPUS_RUNS = 5
HADOLINT_CORPUS_RUNS = 3
MIGRATE_RUNS = 3
CORPUS_SIZE = 1000
# Before the lint figures, wait up to QUIET_WAIT_SECONDS for the 1-minute load
# average to drop below QUIET_LOAD, so other programs on a shared machine take
# fewer cores from the worker processes. The run goes on after the wait either
# way, and the report gives the load.
QUIET_LOAD = 1.0
QUIET_WAIT_SECONDS = 300


def wait_for_quiet() -> float:
    """Wait until the 1-minute load average is below QUIET_LOAD, or the wait times out; return it."""
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    load = os.getloadavg()[0]
    while load >= QUIET_LOAD and time.monotonic() < deadline:
        print(f"benchmark: load average {load:.2f}, waiting for it to drop below {QUIET_LOAD}", file=sys.stderr)
        time.sleep(10)
        load = os.getloadavg()[0]
    return load


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def machine_facts() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT).stdout.strip()
    dirty = run(["git", "status", "--porcelain"], cwd=REPO_ROOT).stdout.strip()
    return {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "load_before": os.getloadavg(),
    }


def hyperfine(commands: dict[str, str], runs: int, work: Path, warmup: int = 2) -> dict:
    """Time shell-free commands with hyperfine; return {name: {median, min, max} in seconds}."""
    export = work / "hyperfine.json"
    argv = [
        "hyperfine",
        "--shell=none",
        "--ignore-failure",
        "--style=none",
        f"--warmup={warmup}",
        f"--runs={runs}",
        f"--export-json={export}",
    ]
    for name, command in commands.items():
        argv += ["--command-name", name, command]
    completed = run(argv)
    if completed.returncode != 0:
        raise RuntimeError(f"hyperfine failed: {completed.stderr}")
    results = {}
    for entry in json.loads(export.read_text())["results"]:
        results[entry["command"]] = {
            "median": entry["median"],
            "min": entry["min"],
            "max": entry["max"],
            "runs": len(entry["times"]),
        }
    return results


def gnu_time(argv: list[str], runs: int, cwd: Path | None = None) -> dict:
    """Run argv under /usr/bin/time -v; return medians of wall, user+system CPU, and peak RSS."""
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        completed = run(["/usr/bin/time", "-v", *argv], cwd=cwd)
        report = completed.stderr
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", report)
        user = re.search(r"User time \(seconds\): (\S+)", report)
        system = re.search(r"System time \(seconds\): (\S+)", report)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
        if not (wall and user and system and peak):
            raise RuntimeError(f"cannot read /usr/bin/time output for {argv}: {report[-2000:]}")
        parts = [float(part) for part in wall.group(1).split(":")]
        seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
        walls.append(seconds)
        cpus.append(float(user.group(1)) + float(system.group(1)))
        peaks.append(int(peak.group(1)) * 1024)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "peak_bytes": max(peaks),
        "runs": runs,
        "exit_status": completed.returncode,
    }


def import_times(venv: Path, args: list[str]) -> dict:
    """Return the total import time and the slowest top-level imports of `dockermig ARGS`."""
    code = "import sys; from dockermig.cli import main; sys.argv[0] = 'dockermig'; main()"
    completed = run([str(venv / "bin" / "python"), "-X", "importtime", "-c", code, *args])
    top_level = []
    for line in completed.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(3)) == 1:
            top_level.append((int(match.group(2)), match.group(4)))
    total = sum(micros for micros, _ in top_level)
    slowest = sorted(top_level, reverse=True)[:5]
    return {
        "total_ms": total / 1000,
        "slowest": [(name, micros / 1000) for micros, name in slowest],
    }


def measure_lint(venv: Path, work: Path, corpus_dir: Path) -> dict:
    dockermig = str(venv / "bin" / "dockermig")
    hadolint = str(venv / "bin" / "hadolint")
    one_files = {
        "orders": REPO_ROOT / "examples" / "monorepo" / "services" / "orders" / "Dockerfile",
        "corpus svc-0003": corpus_dir / "svc-0003" / "Dockerfile",
    }
    one_file = {}
    for label, path in one_files.items():
        timings = hyperfine(
            {"dockermig": f"{dockermig} check {path}", "hadolint": f"{hadolint} {path}"},
            ONE_FILE_RUNS,
            work,
        )
        one_file[label] = {"path": str(path.relative_to(path.parents[2])), **timings}

    python = str(venv / "bin" / "python")
    floor = hyperfine(
        {
            "python -c pass": f"{python} -c pass",
            "python -c 'import click'": f"{python} -c 'import click'",
        },
        ONE_FILE_RUNS,
        work,
    )

    files = sorted(str(path) for path in corpus_dir.glob("*/Dockerfile"))
    file_list = work / "corpus-files.txt"
    file_list.write_text("\n".join(files) + "\n")
    corpus_timings = hyperfine(
        {
            "dockermig": f"{dockermig} check {corpus_dir}",
            "dockermig -j 1": f"{dockermig} check --jobs 1 {corpus_dir}",
        },
        CORPUS_RUNS,
        work,
        warmup=1,
    )
    corpus_timings.update(
        hyperfine(
            {"hadolint": f"xargs --arg-file={file_list} {hadolint}"},
            HADOLINT_CORPUS_RUNS,
            work,
            warmup=0,
        )
    )
    check_cpu = gnu_time([dockermig, "check", str(corpus_dir)], 3)
    hadolint_cpu = gnu_time(["xargs", f"--arg-file={file_list}", hadolint], 1)
    return {
        "one_file": one_file,
        "python_floor": floor,
        "corpus": corpus_timings,
        "check_cpu": check_cpu,
        "hadolint_cpu": hadolint_cpu,
        "files": len(files),
        "cores": len(os.sched_getaffinity(0)),
    }


def measure_migrate(venv: Path, corpus_dir: Path) -> dict:
    dockermig = str(venv / "bin" / "dockermig")
    result = gnu_time([dockermig, "migrate", "--diff", str(corpus_dir)], MIGRATE_RUNS)
    outcomes = run([dockermig, "migrate", "--check", "--format", "json", str(corpus_dir)])
    counts: dict[str, int] = {}
    for row in json.loads(outcomes.stdout or "[]"):
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return {**result, "outcomes": counts}


def versions(venv: Path) -> dict:
    hadolint = run([str(venv / "bin" / "hadolint"), "--version"]).stdout.strip()
    buildah = run(["buildah", "--version"]).stdout.strip() if _has("buildah") else ""
    hyperfine_version = run(["hyperfine", "--version"]).stdout.strip()
    return {"hadolint": hadolint, "buildah": buildah, "hyperfine": hyperfine_version}


def _has(program: str) -> bool:
    return any(
        (Path(folder) / program).exists() for folder in os.environ.get("PATH", "").split(":")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--skip-images", action="store_true")
    parser.add_argument("--images-json", type=Path, default=None)
    arguments = parser.parse_args()

    facts = machine_facts()
    corpus_dir = arguments.work / "corpus"
    corpus.generate(corpus_dir, CORPUS_SIZE, corpus.DEFAULT_SEED)
    facts["load_at_lint"] = wait_for_quiet()
    print("benchmark: lint", file=sys.stderr)
    lint = measure_lint(arguments.venv, arguments.work, corpus_dir)
    print("benchmark: migrate --diff", file=sys.stderr)
    migrate = measure_migrate(arguments.venv, corpus_dir)
    imports = {
        "dockermig --help": import_times(arguments.venv, ["--help"]),
        "dockermig check FILE": import_times(
            arguments.venv, ["check", str(corpus_dir / "svc-0003" / "Dockerfile")]
        ),
    }
    images = None
    if arguments.images_json is not None:
        images = json.loads(arguments.images_json.read_text())
        images["source"] = f"read from {arguments.images_json}"
    elif not arguments.skip_images:
        print("benchmark: images (several minutes)", file=sys.stderr)
        images_json = arguments.work / "images.json"
        completed = subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "benchmarks" / "images.py"),
                "--out",
                str(images_json),
                "--work",
                str(arguments.work / "images"),
            ],
            check=False,
        )
        if completed.returncode == 0:
            images = json.loads(images_json.read_text())
        else:
            images = {"error": f"benchmarks/images.py failed; see {arguments.work}/images"}
    facts["load_after"] = os.getloadavg()

    results = {
        "machine": facts,
        "versions": versions(arguments.venv),
        "lint": lint,
        "migrate": migrate,
        "imports": imports,
        "images": images,
    }
    (arguments.work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    arguments.out.write_text(render_report(results))
    print(f"benchmark: wrote {arguments.out} (raw figures: {arguments.work}/results.json)", file=sys.stderr)


if __name__ == "__main__":
    main()
