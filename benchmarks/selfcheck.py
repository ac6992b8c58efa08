"""PyTorch alone in a fresh process: one case's torch figure, for the suite's self-check.

    python -m benchmarks.selfcheck --device cpu --case NAME [--quick | --rounds N]

Prints one JSON line {"case", "median_ms"}. Nothing but torch is timed here,
so no other library's threads can slow it down.
"""
import argparse
import json

from .cases import Context
from .machine import pin_allocator
from .suite import measure_case, optional_torch, select_cases
from .timing import QUICK, Plan, synchronizer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.selfcheck", description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--case", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=Plan.rounds)
    args = parser.parse_args(argv)
    pin_allocator()  # as the suite does, so both processes allocate alike
    torch = optional_torch(args.device)
    if torch is None:
        raise SystemExit("benchmarks.selfcheck: torch is absent")
    matches = [case for case in select_cases("all") if case.name == args.case]
    if not matches:
        raise SystemExit(f"benchmarks.selfcheck: no case named {args.case!r}")
    plan = QUICK if args.quick else Plan(rounds=args.rounds)
    cell = measure_case(matches[0], Context(args.device, torch, args.quick), plan, synchronizer(args.device),
                        only="torch")
    print(json.dumps({"case": args.case, "median_ms": cell["results"]["torch"]["median_ms"]}))


if __name__ == "__main__":
    main()
