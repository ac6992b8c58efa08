"""The markdown report and the PNG bar charts of a suite run (matplotlib imported only here, lazily)."""

GOALS = {  # issue 12's targets on a 2-core CPU, ratio of minigrad's time to PyTorch's
    "conv fwd+bwd, median of the five shapes": 1.3,
    "conv fwd+bwd, worst shape": 1.6,
    "dcgan MNIST b64 step": 1.5,
    "wgan-gp MNIST b64 step": 1.5,
    "wgan-gp ring8 MLP step": 1.2,
    "nsgan ring8 MLP step": 1.0,
    "tiny mul+sum forward+backward (per graph)": 1.5,
}
IMPLEMENTATIONS = ("minigrad", "torch", "numpy", "cupy")


def _ms(result):
    """median [p25-p75] in ms, or µs per op where a call loops many ops."""
    if result["ops"] > 1:
        return f"{result['us_per_op']:.2f} µs/op"
    return f"{result['median_ms']:.2f} ms ({result['p25_ms']:.2f}-{result['p75_ms']:.2f})"


def _ratio(value):
    return "–" if value is None else f"{value:.2f}"


def progress_line(cell, floor):
    ratios = [f"{peer} {cell[f'ratio_to_{peer}']:.2f}" for peer in ("torch", floor) if f"ratio_to_{peer}" in cell]
    timing = ", ".join(f"{name} {_ms(result)}" for name, result in cell["results"].items())
    flag = f"  NOISY: {'; '.join(cell['noisy'])}" if cell["noisy"] else ""
    return f"[{cell['suite']}] {cell['case']}: {timing}; ratio to {', '.join(ratios) or '–'}{flag}"


def _fraction(result):
    parts = []
    if "fraction_of_gemm_peak" in result:
        parts.append(f"{result['gflops']:.0f} GFLOP/s = {100 * result['fraction_of_gemm_peak']:.0f}% of GEMM peak")
    if "fraction_of_bandwidth" in result:
        parts.append(f"{result['gbs']:.1f} GB/s = {100 * result['fraction_of_bandwidth']:.0f}% of bandwidth")
    return "; ".join(parts) or "–"


def _machine_lines(payload):
    info, limits = payload["machine"], payload["limits"]
    torch = info["torch"] or f"absent ({payload['torch_absent_reason']})"
    lines = [f"- machine: {info['cpu']}, {info['cores']} cores, {info['platform']}" + (
        f"; GPU {info['gpu']} (CuPy {info['cupy']}, CUDA runtime {info['cuda_runtime']})" if "gpu" in info else ""),
        f"- versions: Python {info['python']}, NumPy {info['numpy']}, torch {torch}"
        + (f" ({info['torch_threads']} threads)" if "torch_threads" in info else ""),
        f"- BLAS thread settings: {info['blas_threads_env'] or 'none (one thread per core)'}; idle OpenBLAS "
        f"workers spin 2^{info.get('openblas_spin_exponent', '?')} cycles before sleeping",
        _kernel_line(info),
        f"- allocator: {info.get('allocator') or 'left at its defaults (not glibc, or mallopt refused)'}; the heap's "
        "free memory is given back before each block, so peak MB is the block's own growth",
        f"- measured in this run: float32 GEMM peak {limits['gemm_gflops']:.0f} GFLOP/s "
        f"({limits['gemm_size']}² matmul); memory bandwidth {limits['copy_gbs']:.1f} GB/s copy, "
        f"{limits['add_gbs']:.1f} GB/s add ({limits['bandwidth_elements']} float32)",
        f"- method: each implementation in its own block (warm-up {payload['plan']['warmup']}, then repetitions "
        f"filling ~{payload['plan']['block_seconds']} s), block order reversed every round, "
        f"{payload['plan']['rounds']} rounds; median (p25-p75) over all repetitions",
        f"- command: `{payload['command']}`; wall time {payload['wall_seconds']:.0f} s"]
    if payload["quick"]:
        lines.append("- **--quick: every call once at small sizes, a smoke run; these are not timings**")
    return lines


def _kernel_line(info):
    """Which OpenBLAS kernels ran, and whether the environment forced them instead of the CPU's own."""
    core, forced = info.get("openblas_core") or "unknown", info.get("openblas_kernel_env") or {}
    if not forced:
        return f"- OpenBLAS kernels: {core}, its own choice for this CPU"
    settings = ", ".join(f"{name}={value}" for name, value in forced.items())
    line = f"- OpenBLAS kernels: {core}, **forced by {settings}**"
    if info.get("cpu_avx512") and core == "Haswell":
        unset = " ".join(f"-u {name}" for name in forced)
        line += (": AVX2 kernels on a CPU with AVX-512, so NumPy's GEMM (and every minigrad figure) runs below "
                 f"this machine's own rate; `env {unset} python -m benchmarks ...` lets OpenBLAS choose")
    return line


def _self_check_line(check):
    if check is None:
        return "self-check: not run (torch absent)"
    if "error" in check:
        return f"self-check: torch alone on '{check['case']}' failed: {check['error']}"
    verdict = "agrees" if check["agrees"] else "DISAGREES (more than 15%)"
    return (f"self-check: torch '{check['case']}' alone in a fresh process {check['alone_ms']:.2f} ms, "
            f"in the suite {check['in_suite_ms']:.2f} ms ({100 * check['difference']:+.1f}%): {verdict}")


def _cell_table(cells, floor):
    names = [name for name in IMPLEMENTATIONS if any(name in cell["results"] for cell in cells)]
    peers = [peer for peer in ("torch", floor) if peer in names]
    header = ["case", *names, *(f"ratio to {peer}" for peer in peers), "minigrad vs limits", "torch vs limits",
              "peak MB (ours/torch)",
              "loadavg before→after, others' CPU", "noisy"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cell in cells:
        results, load = cell["results"], cell["load"]
        memory = "/".join(f"{results[n]['peak_memory_mb']:.0f}" for n in ("minigrad", "torch")
                          if n in results and "peak_memory_mb" in results[n])
        row = [cell["case"], *(_ms(results[n]) if n in results else "–" for n in names),
               *(_ratio(cell.get(f"ratio_to_{peer}")) for peer in peers),
               _fraction(results["minigrad"]), _fraction(results["torch"]) if "torch" in results else "–",
               memory or "–",
               f"{load['loadavg_before']}→{load['loadavg_after']}, {100 * load['foreign_cpu']:.0f}%",
               "; ".join(cell["noisy"]) or "no"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def markdown(payload, charts):
    floor = "numpy" if payload["device"] == "cpu" else "cupy"
    lines = [f"# minigrad benchmarks on {payload['device']}", "", *_machine_lines(payload), "",
             _self_check_line(payload["self_check"]), "", "## Issue 12's rows (ratio = minigrad time / PyTorch time)",
             "", "| case | ratio | floor at NumPy's GEMM peak | goal |", "|---|---|---|---|"]
    floors = payload.get("headline_floor", {})
    for name, value in payload["headline"].items():
        goal = GOALS.get(name)
        goal_text = "–" if goal is None else f"≤ {goal}"
        lines.append(f"| {name} | {_ratio(value)} | {_ratio(floors.get(name))} | {goal_text} |")
    lines += ["", "The floor is the ratio minigrad would have if the FLOPs of its GEMM-carrying primitives (matmul, "
              "linear, the convolutions; a train step's elementwise, norm and optimizer work is not counted) all "
              "ran at the GEMM peak NumPy's BLAS reaches on this machine (measured above) and nothing else took "
              "time: a goal below it is out of reach of any kernel built on NumPy's BLAS here."]
    noisy = sum(bool(cell["noisy"]) for cell in payload["cells"])
    lines += ["", f"{noisy} of {len(payload['cells'])} cells flagged noisy (others used > 10% of the CPU, "
              "or a spread > 25%)."]
    for suite in ("kernels", "overhead", "train"):
        cells = [cell for cell in payload["cells"] if cell["suite"] == suite]
        if cells:
            lines += ["", f"## {suite}", "", *_cell_table(cells, floor)]
    lines += [""] + [f"![{chart}]({chart})" for chart in charts]
    return "\n".join(lines) + "\n"


def charts(payload, out):
    """One horizontal bar chart of the ratios to PyTorch per suite; [] without matplotlib or torch."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    for suite in ("kernels", "overhead", "train"):
        cells = [cell for cell in payload["cells"] if cell["suite"] == suite and "ratio_to_torch" in cell]
        if not cells:
            continue
        figure, axes = plt.subplots(figsize=(8, 0.4 * len(cells) + 1.2))
        ratios = [cell["ratio_to_torch"] for cell in cells]
        axes.barh(range(len(cells)), ratios, color=["tab:red" if cell["noisy"] else "tab:blue" for cell in cells])
        axes.axvline(1.0, color="black", linewidth=1)
        axes.set_yticks(range(len(cells)), [cell["case"] for cell in cells], fontsize=7)
        axes.invert_yaxis()
        axes.set_xlabel("minigrad time / PyTorch time (red: noisy cell)")
        axes.set_title(f"{suite} on {payload['device']}" + (" (--quick: not timings)" if payload["quick"] else ""))
        figure.tight_layout()
        name = f"ratios-{suite}.png"
        figure.savefig(out / name, dpi=100)
        plt.close(figure)
        written.append(name)
    return written
