"""Benchmark: ``doit generate`` on 1,000 specs against a floor measured in the same run.

The floor is the cheapest honest doit pipeline over the same files: one task per file with
``file_dep``/``targets``, parsing with PyYAML's C loader and dumping with its C dumper. Printed:
cold run (serial and ``-n 2 -P process``), no-op run, one spec changed, for both, with ratios;
the median wall time of ``sentinel validate`` on one spec; and a cProfile top-15 of the cold
path's per-spec work (load + render + dump), which shows where a cold run's time goes. The
machine is shared, so each run's CPU time (user + sys of doit and its workers) is printed too:
it moves much less than wall time when other work competes for the cores and the disk.

Run: ``/tmp/venv/bin/python tests/bench/bench_generate.py [--specs N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]

FLOOR_DODO = '''\
from pathlib import Path
import yaml

DOIT_CONFIG = {"backend": "sqlite3", "dep_file": ".floor.sqlite3", "default_tasks": ["floor"],
               "verbosity": 1}

def _convert(src, dst):
    data = yaml.load(Path(src).read_text(), Loader=yaml.CSafeLoader)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    Path(dst).write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))

def task_floor():
    for src in sorted(Path("specs").glob("*.yaml")):
        dst = Path("floor-out") / src.name
        yield {"name": src.name, "file_dep": [str(src)], "targets": [str(dst)],
               "actions": [(_convert, [str(src), str(dst)])]}
'''

# The same floor, but writing like kube-sentinel must (temp file, fsync, rename, fsync folder):
# separates the cost of parsing/validation from the cost of durable writes on this disk.
FLOOR_FSYNC_DODO = FLOOR_DODO.replace(
    "Path(dst).parent.mkdir(parents=True, exist_ok=True)\n"
    "    Path(dst).write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))",
    "from sentinel.fsutil import atomic_write\n"
    "    atomic_write(Path(dst), yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))",
).replace(".floor.sqlite3", ".floor-fsync.sqlite3").replace("floor-out", "floor-fsync-out")

# The spec tasks alone (what this package's generate costs without the cluster tasks' creation).
GENERATE_ONLY_DODO = """\
from sentinel.pipeline.generate import task_generate, task_validate
from sentinel.pipeline.settings import doit_config, pipeline_settings

DOIT_CONFIG = doit_config(pipeline_settings())
"""

IMAGES = ("nginxinc/nginx-unprivileged:1.27", "busybox:1.36", "registry.example.com/team/api:2.4.1",
          "ghcr.io/acme/worker@sha256:" + "a" * 64, "python:3.12-slim")


def spec_text(i: int) -> str:
    """A valid spec; the index varies its shape so the files are not all alike."""
    lines = [f"# generated spec {i}", f"name: pod-{i:04d}", f"namespace: team-{i % 7}",
             f"image: {IMAGES[i % len(IMAGES)]}", "labels:", f"  tier: t{i % 3}",
             f"  app.kubernetes.io/part-of: app-{i % 11}"]
    if i % 2 == 0:
        lines += ["ports:", "  - name: http", f"    containerPort: {8000 + i % 100}"]
        lines += ["probes:", "  readiness:", "    http:", "      path: /healthz",
                  "      port: http", "    periodSeconds: 5"]
    if i % 3 == 0:
        lines += ["env:", "  LOG_LEVEL: info", f"  SHARD: \"{i}\"", "  DB_URL:",
                  "    secretKeyRef:", f"      name: db-{i % 5}", "      key: url"]
    if i % 4 != 1:
        lines += ["resources:", "  requests:", f"    cpu: {50 + i % 200}m", "    memory: 64Mi",
                  "  limits:", "    cpu: \"1\"", "    memory: 256Mi"]
    if i % 5 == 0:
        lines += ["command:", "  - /bin/sh", "args:", "  - -c", f"  - sleep {i}"]
    lines += ["runAsUser: 10001"]
    return "\n".join(lines) + "\n"


def _container(name: str, port: int) -> list[str]:
    """One container's keys (ports, probe, resources, env), as the main one or a list entry."""
    return [f"name: {name}", "image: registry.example.com/team/api:2.4.1", "ports:",
            f"  - name: p{port}", f"    containerPort: {port}", "probes:", "  readiness:",
            "    http:", "      path: /healthz", f"      port: p{port}", "resources:",
            "  requests:", "    cpu: 100m", "    memory: 64Mi", "  limits:", "    memory: 128Mi",
            "env:", "  LOG_LEVEL: info", "  DB_URL:", "    secretKeyRef:", "      name: db",
            "      key: url"]


def one_container_spec() -> str:
    """A realistic single-container spec."""
    return "\n".join(["namespace: team", *_container("api", 8080)]) + "\n"


def four_container_spec() -> str:
    """The same main container plus an init container, a sidecar and a further container, each
    with the same keys (the init container without its probe)."""
    lines = ["namespace: team", *_container("api", 8080)]
    for key, name, port in (("initContainers", "migrate", 8081), ("sidecars", "proxy", 8082),
                            ("containers", "exporter", 8083)):
        entry = _container(name, port)
        if key == "initContainers":
            start = entry.index("probes:")
            entry = entry[:start] + entry[start + 5:]
        lines += [f"{key}:", f"  - {entry[0]}", *(f"    {line}" for line in entry[1:])]
    return "\n".join(lines) + "\n"


def container_ratio(loads: int) -> tuple[float, float]:
    """Median ms of one in-process load of the 1-container and of the 4-container spec."""
    from sentinel.spec import load_spec_text

    medians = []
    for text in (one_container_spec(), four_container_spec()):
        load_spec_text(text, "warm.yaml")  # builds the pydantic validators once
        times = []
        for _ in range(loads):
            start = time.perf_counter()
            load_spec_text(text, "bench.yaml")
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times) * 1000)
    return medians[0], medians[1]


def make_project(root: Path, count: int) -> None:
    (root / "specs").mkdir(parents=True)
    for i in range(count):
        (root / "specs" / f"pod-{i:04d}.yaml").write_text(spec_text(i))
    (root / "dodo.py").write_text((REPO / "dodo.py").read_text())
    (root / "floor.py").write_text(FLOOR_DODO)
    (root / "floor_fsync.py").write_text(FLOOR_FSYNC_DODO)
    (root / "generate_only.py").write_text(GENERATE_ONLY_DODO)


CPU: dict[str, float] = {}  # CPU seconds of the last timed() command, by its argv


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> float:
    """Wall seconds of one command (its CPU seconds go to ``CPU``); fails if the command fails."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    CPU[" ".join(argv)] = _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def best(argv: list[str], cwd: Path, runs: int, cpu: dict[str, float], key: str) -> float:
    """Best wall time of ``runs`` runs; the best CPU time goes to ``cpu[key]``."""
    walls, cpus = [], []
    for _ in range(runs):
        walls.append(timed(argv, cwd))
        cpus.append(CPU[" ".join(argv)])
    cpu[key] = min(cpus)
    return min(walls)


def reset(root: Path) -> None:
    for folder in ("manifests", ".sentinel", "floor-out", "floor-fsync-out"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / ".floor.sqlite3").unlink(missing_ok=True)
    (root / ".floor-fsync.sqlite3").unlink(missing_ok=True)


def measure(root: Path, dodo: str, parallel: list[str], edit: Path,
            cpu: dict[str, float]) -> dict[str, float]:
    """Cold (serial), cold (parallel), no-op and one-changed wall times for one dodo file; the
    matching CPU times go to ``cpu``.

    The machine is shared, so every figure is the best of three runs.
    """
    doit = [str(BIN / "doit"), "-f", dodo]
    results: dict[str, float] = {}
    for key, argv in (("cold", doit), ("cold -n 2 -P process", doit + parallel)):
        walls, cpus = [], []
        for _ in range(3):
            reset(root)
            walls.append(timed(argv, root))
            cpus.append(CPU[" ".join(argv)])
        results[key], cpu[key] = min(walls), min(cpus)
    results["no-op"] = best(doit, root, 3, cpu, "no-op")
    original = edit.read_text()
    walls, cpus = [], []
    for n in range(3):
        edit.write_text(original.replace("tier: t", f"tier: v{n}", 1))
        walls.append(timed(doit, root))
        cpus.append(CPU[" ".join(doit)])
    results["one changed"], cpu["one changed"] = min(walls), min(cpus)
    edit.write_text(original)
    timed(doit, root)
    return results


def table(title: str, ours: dict[str, float], alone: dict[str, float], floor: dict[str, float],
          durable: dict[str, float]) -> None:
    """One table: the full dodo, the spec tasks alone, both floors, ratios against the floor."""
    print(title)
    print(f"{'run':<22}{'full':>8}{'ratio':>7}{'spec tasks':>11}{'ratio':>7}{'floor':>8}"
          f"{'fsync floor':>12}{'vs fsync':>9}")
    for key, full in ours.items():
        print(f"{key:<22}{full:>8.3f}{full / floor[key]:>7.2f}"
              f"{alone[key]:>11.3f}{alone[key] / floor[key]:>7.2f}{floor[key]:>8.3f}"
              f"{durable[key]:>12.3f}{alone[key] / durable[key]:>9.2f}")


def validate_one(root: Path, repeats: int) -> float:
    spec = root / "specs" / "pod-0000.yaml"
    times = [timed([str(BIN / "sentinel"), "validate", str(spec)], root) for _ in range(repeats)]
    return statistics.median(times)


def median_wall(argv: list[str], root: Path, repeats: int) -> float:
    return statistics.median(timed(argv, root) for _ in range(repeats))


def validate_figures(root: Path, repeats: int) -> None:
    """``sentinel validate`` of one spec, beside the start-up it cannot avoid, in this run.

    With ``PYTHONDONTWRITEBYTECODE`` set (as in this sandbox) an editable install never caches
    the package's bytecode, so every run compiles ``sentinel/`` again; a wheel install
    (``pip install kube-sentinel``) byte-compiles at install time. Both are printed: as the
    environment is, and after ``compileall`` of the package (what a wheel install does).
    """
    import compileall
    import os

    python = str(BIN / "python")
    # the libraries as any pydantic model with constrained fields and strictyaml schema needs them
    deps = ("import strictyaml, yaml; "
            "from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError")
    floor = median_wall([python, "-c", deps], root, repeats)
    bare = median_wall([python, "-c", "pass"], root, repeats)
    package = REPO / "sentinel"
    cached = any(package.rglob("__pycache__/*.pyc"))
    as_is = validate_one(root, repeats)
    compileall.compile_dir(str(package), quiet=1)
    compiled = validate_one(root, repeats)
    if not cached:  # leave the checkout as it was
        for pyc in package.rglob("__pycache__/*.pyc"):
            pyc.unlink()
        for folder in sorted(package.rglob("__pycache__"), reverse=True):
            folder.rmdir()
    where = "PYTHONDONTWRITEBYTECODE set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else \
        "bytecode written as usual"
    print(f"sentinel validate, one spec (median of {repeats} runs; target <= 150 ms):")
    print(f"  as installed ({where}{', bytecode cached' if cached else ''}): {as_is * 1000:.0f} ms")
    print(f"  package byte-compiled (as a wheel install leaves it): {compiled * 1000:.0f} ms")
    print(f"  floor: python -c pass {bare * 1000:.0f} ms; importing pydantic (BaseModel, Field, "
          f"validators), strictyaml and yaml alone {floor * 1000:.0f} ms; validate is "
          f"{compiled / floor:.2f}x that")


def split_cold_path(root: Path, count: int) -> dict[str, float]:
    """Milliseconds per spec of each step of a generate action, in-process, no profiler."""
    from sentinel.fsutil import atomic_write
    from sentinel.render import dump_manifest, render
    from sentinel.spec import load_spec

    specs = sorted((root / "specs").glob("*.yaml"))[:count]
    out = root / "split-out"
    start = time.perf_counter()
    loaded = [load_spec(p) for p in specs]
    loaded_at = time.perf_counter()
    data = [dump_manifest(render(s.model, source=s.source)) for s in loaded]
    rendered_at = time.perf_counter()
    for i, body in enumerate(data):
        atomic_write(out / f"{i}.yaml", body)
    written_at = time.perf_counter()
    per = 1000 / len(specs)
    return {"load (strictyaml + pydantic)": (loaded_at - start) * per,
            "render + dump": (rendered_at - loaded_at) * per,
            "atomic write (fsync)": (written_at - rendered_at) * per}


def profile_cold_path(root: Path, count: int) -> str:
    """cProfile of the per-spec work of a cold run, in-process: top 15 by own time."""
    from sentinel.render import dump_manifest, render
    from sentinel.spec import load_spec

    specs = sorted((root / "specs").glob("*.yaml"))[:count]
    profiler = cProfile.Profile()
    profiler.enable()
    for path in specs:
        spec = load_spec(path)
        dump_manifest(render(spec.model, source=spec.source))
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(15)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_project(root, args.specs)
        edit = root / "specs" / "pod-0500.yaml" if args.specs > 500 else root / "specs/pod-0000.yaml"
        parallel = ["-n", "2", "-P", "process"]
        cpus: list[dict[str, float]] = [{}, {}, {}, {}]
        walls = [measure(root, dodo, parallel, edit, cpu) for dodo, cpu in zip(
            ("dodo.py", "generate_only.py", "floor.py", "floor_fsync.py"), cpus)]
        for result in walls + cpus:
            result["best cold"] = min(result["cold"], result["cold -n 2 -P process"])
        print(f"doit generate over {args.specs} specs (floor = PyYAML C loader/dumper; best of 3)")
        print("full = the project dodo.py (all tasks); spec tasks = generate/validate/prune only")
        print("ratios are against the floor; 'vs fsync' against the floor with fsynced writes")
        table("\nwall seconds", *walls)
        table("\nCPU seconds (user + sys, doit and its workers)", *cpus)
        print("targets: no-op <= 1.5x floor no-op; cold <= 4x floor cold (wall)")
        validate_figures(root, args.repeats)
        one, four = container_ratio(300)
        lines = [text.count("\n") for text in (one_container_spec(), four_container_spec())]
        print(f"per-spec load, in-process median of 300: 1 container {one:.2f} ms, "
              f"4 containers {four:.2f} ms, ratio {four / one:.2f} (target <= 2.5); "
              f"the specs have {lines[0]} and {lines[1]} lines ({lines[1] / lines[0]:.2f}x), "
              f"{one / lines[0] * 1000:.1f} and {four / lines[1] * 1000:.1f} us a line")
        sample = min(200, args.specs)
        print(f"\nper-spec cost of a generate action ({sample} specs, ms):")
        for step, ms in split_cold_path(root, sample).items():
            print(f"  {step:<30}{ms:>7.2f}")
        print(f"\ncProfile of the cold path's per-spec work ({sample} specs, top 15 by own time):")
        print(profile_cold_path(root, sample))


if __name__ == "__main__":
    main()
