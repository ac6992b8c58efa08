"""Run the chosen suites: time every case, record load and memory, self-check PyTorch, write the report.

    python -m benchmarks [--device cpu|cuda] [--suite kernels|train|overhead|all] [--quick] [--out DIR]

Writes DIR/results.json, DIR/report.md and DIR/ratios-<suite>.png (matplotlib,
when installed). Without torch the suite still runs and says torch is absent.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from minigrad.serialization import atomic_writer

from . import family_steps, kernels, machine, overhead, report, train_steps
from .cases import Context
from .flop_count import count_flops
from .machine import MemoryMeter
from .timing import QUICK, Plan, blas_threads, noise_reasons, synchronizer, time_cell

SUITES = {"kernels": kernels.CASES, "overhead": overhead.CASES, "train": train_steps.CASES + family_steps.CASES}
SELF_CHECK_TOLERANCE = 0.15
REPO = Path(__file__).resolve().parents[1]


def optional_torch(device, wanted=True):
    """torch with as many threads as NumPy's BLAS, or None (absent, not wanted, or no CUDA for "cuda")."""
    if not wanted:
        return None
    try:
        import torch
    except ImportError:
        return None
    if device == "cuda" and not torch.cuda.is_available():
        return None
    torch.set_num_threads(blas_threads())
    return torch


def select_cases(suite, pattern=None):
    cases = [case for name, group in SUITES.items() if suite in ("all", name) for case in group]
    if pattern:
        cases = [case for case in cases if re.search(pattern, case.name)]
    return cases


def measure_case(case, ctx, plan, sync, limits=None, only=None):
    """One cell: every implementation of ``case`` (or just ``only``) timed, with its load, memory and
    figures (fractions of the machine's ``limits`` when given)."""
    built = case.build(ctx)
    if case.suite == "train" and only is None:  # counted on a step of its own, before any timing
        built.flops = built.flops or count_flops(built.runs["minigrad"])
    runs = built.runs if only is None else {only: built.runs[only]}
    results, load = time_cell(runs, sync, plan, MemoryMeter(ctx.device, ctx.torch))
    for result in results.values():
        seconds = result["median_ms"] / 1e3
        result["ops"], result["us_per_op"] = built.ops, 1e3 * result["median_ms"] / built.ops
        if built.flops and limits:
            result["gflops"] = built.flops / seconds / 1e9
            result["fraction_of_gemm_peak"] = result["gflops"] / limits["gemm_gflops"]
        if built.nbytes and limits:
            result["gbs"] = built.nbytes / seconds / 1e9
            result["fraction_of_bandwidth"] = result["gbs"] / limits["copy_gbs"]
    cell = {"suite": case.suite, "case": case.name, "results": results, "load": load, **built.notes}
    if built.flops and limits and "torch" in results:  # minigrad's best case: all its FLOPs at NumPy's GEMM peak
        cell["ratio_floor"] = built.flops / (1e9 * limits["gemm_gflops"]) / (results["torch"]["median_ms"] / 1e3)
    ours = results.get("minigrad")
    for peer in ("torch", ctx.floor_name):
        if ours and peer in results:
            cell[f"ratio_to_{peer}"] = ours["median_ms"] / results[peer]["median_ms"]
    cell["noisy"] = noise_reasons(results, load)
    return cell


def self_check(cells, device, quick, rounds):
    """PyTorch's figure of the first cell that has one, against torch timed alone in a fresh process."""
    cell = next((c for c in cells if "fwd+bwd" in c["case"] and "torch" in c["results"]), None)
    cell = cell or next((c for c in cells if "torch" in c["results"]), None)
    if cell is None:
        return None
    command = [sys.executable, "-m", "benchmarks.selfcheck", "--device", device, "--case", cell["case"]]
    command += ["--quick"] if quick else ["--rounds", str(rounds)]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=REPO)
    if done.returncode != 0:
        return {"case": cell["case"], "error": done.stderr.strip().splitlines()[-1:] or ["no output"]}
    alone = json.loads(done.stdout.strip().splitlines()[-1])["median_ms"]
    in_suite = cell["results"]["torch"]["median_ms"]
    difference = in_suite / alone - 1
    return {"case": cell["case"], "alone_ms": alone, "in_suite_ms": in_suite, "difference": difference,
            "agrees": abs(difference) <= SELF_CHECK_TOLERANCE}


def run(args):
    started = time.perf_counter()
    allocator = machine.pin_allocator()
    torch = optional_torch(args.device, not args.no_torch)
    ctx = Context(args.device, torch, args.quick)
    plan = QUICK if args.quick else Plan(rounds=args.rounds)
    sync = synchronizer(args.device)
    limits = machine.limits(args.device, args.quick, sync)
    print(f"GEMM peak {limits['gemm_gflops']:.0f} GFLOP/s, copy {limits['copy_gbs']:.1f} GB/s; "
          f"torch {'absent' if torch is None else torch.__version__}", flush=True)
    cells = []
    for case in select_cases(args.suite, args.only):
        cells.append(measure_case(case, ctx, plan, sync, limits))
        print(report.progress_line(cells[-1], ctx.floor_name), flush=True)
    described = {**machine.describe(args.device, torch), "allocator": allocator}
    payload = {"command": " ".join(["python -m benchmarks"] + (args.argv or [])), "device": args.device,
               "quick": args.quick, "plan": vars(plan), "machine": described,
               "torch_absent_reason": None if torch else _torch_absent_reason(args), "limits": limits,
               "cells": cells, "self_check": self_check(cells, args.device, args.quick, args.rounds) if torch else None}
    payload["headline"], payload["headline_floor"] = headline(cells), headline(cells, "ratio_floor")
    payload["wall_seconds"] = time.perf_counter() - started
    write_outputs(Path(args.out), payload)
    return payload


def _torch_absent_reason(args):
    if args.no_torch:
        return "--no-torch was given"
    return "torch is not installed" if args.device == "cpu" else "torch is not installed or has no CUDA"


def headline(cells, key="ratio_to_torch"):
    """Issue 12's rows: per case its goals name, the cell's ``key`` (the ratio to PyTorch, or with
    "ratio_floor" the ratio at NumPy's GEMM peak); None where not measured."""
    by_name = {cell["case"]: cell.get(key) for cell in cells}
    conv = [ratio for name, ratio in by_name.items() if name.startswith("conv") and name.endswith("fwd+bwd")
            and ratio is not None]
    rows = {"conv fwd+bwd, median of the five shapes": statistics.median(conv) if conv else None,
            "conv fwd+bwd, worst shape": max(conv) if conv else None}
    for name in ("dcgan MNIST b64 step", "wgan-gp MNIST b64 step", "wgan-gp ring8 MLP step", "nsgan ring8 MLP step",
                 "cgan MNIST b64 step", "ddpm-cond U-Net MNIST b64 step", "vae MLP MNIST b128 step",
                 "tiny mul+sum forward+backward (per graph)"):
        rows[name] = by_name.get(name)
    return rows


def write_outputs(out, payload):
    out.mkdir(parents=True, exist_ok=True)
    with atomic_writer(out / "results.json") as stream:
        stream.write(json.dumps(payload, indent=2).encode())
    charts = report.charts(payload, out)
    text = report.markdown(payload, charts)
    with atomic_writer(out / "report.md") as stream:
        stream.write(text.encode())
    print(text)
    print(f"wrote {out / 'results.json'}, {out / 'report.md'}" + "".join(f", {out / c}" for c in charts))


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--suite", choices=["all", *SUITES], default="all")
    parser.add_argument("--quick", action="store_true", help="every call once, small sizes: a smoke run, not timing")
    parser.add_argument("--out", default="benchmark-report", help="folder for results.json, report.md, charts")
    parser.add_argument("--only", help="run only the cases whose name matches this regular expression")
    parser.add_argument("--rounds", type=int, default=Plan.rounds, help="alternating rounds of blocks per cell")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if args.only:
        try:
            re.compile(args.only)
        except re.error as error:
            parser.error(f"--only {args.only!r} is not a regular expression: {error}")
    if args.device == "cuda":
        import minigrad

        if not minigrad.cuda.is_available():
            parser.error("--device cuda needs CuPy and a CUDA GPU (minigrad.cuda.is_available() is False)")
    args.argv = argv
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    if args.only and not select_cases(args.suite, args.only):
        raise SystemExit(f"python -m benchmarks: --only {args.only!r} matches no case of suite {args.suite!r}")
    run(args)
