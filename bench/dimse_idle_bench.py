"""DIMSE associations, pynetdicom's polling reactors vs quiet ones (``imaging_hub.dimse.reactor``).

Each mode runs in its own process: a pynetdicom Verification SCP and SCU in that process, then
  idle       CPU of the process while 4 associations stay open and idle (each end has 2 threads)
  echo       200 C-ECHOs one after another on one association (a request's round trip)
  open       20 x (associate, C-ECHO, release): association set-up and tear-down

    .venv/bin/python bench/dimse_idle_bench.py [--idle-seconds 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def measure(quiet: bool, idle_seconds: float) -> dict[str, float]:
    if quiet:
        import imaging_hub.dimse  # noqa: F401 - importing the package installs the quiet reactors
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

    scp = AE(ae_title="IDLESCP")
    scp.add_supported_context(Verification)
    scu = AE(ae_title="IDLESCU")
    scu.add_requested_context(Verification)
    server = scp.start_server(("127.0.0.1", 0), block=False)
    assert server is not None
    port = int(server.server_address[1])
    try:
        assocs = [scu.associate("127.0.0.1", port) for _ in range(4)]
        assert all(a.is_established and a.send_c_echo().Status == 0 for a in assocs)
        time.sleep(0.5)
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(idle_seconds)
        idle = (time.process_time() - cpu) / (time.perf_counter() - wall)
        started = time.perf_counter()
        for _ in range(200):
            assocs[0].send_c_echo()
        echo = (time.perf_counter() - started) / 200
        for a in assocs:
            a.release()
        started = time.perf_counter()
        for _ in range(20):
            a = scu.associate("127.0.0.1", port)
            a.send_c_echo()
            a.release()
        opened = (time.perf_counter() - started) / 20
    finally:
        server.shutdown()
    return {"idle": idle, "echo": echo, "open": opened}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--mode", choices=("stock", "quiet"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        result = measure(args.mode == "quiet", args.idle_seconds)
        print(" ".join(f"{k}={v}" for k, v in result.items()))
        return
    results = {}
    for mode in ("stock", "quiet"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--idle-seconds", str(args.idle_seconds)],
                             check=True, capture_output=True, text=True).stdout.split()
        results[mode] = {k: float(v) for k, v in (item.split("=") for item in out)}
    stock, quiet = results["stock"], results["quiet"]
    print(f"DIMSE reactors, pynetdicom polling (stock) vs quiet ({time.strftime('%Y-%m-%d')})")
    print(f"  4 idle associations:  {100 * stock['idle']:5.1f}% vs {100 * quiet['idle']:5.1f}% of a core")
    print(f"  C-ECHO round trip:    {1000 * stock['echo']:5.2f} vs {1000 * quiet['echo']:5.2f} ms "
          f"(quiet {stock['echo'] / quiet['echo']:.1f}x faster)")
    print(f"  associate+echo+release: {1000 * stock['open']:5.1f} vs {1000 * quiet['open']:5.1f} ms")


if __name__ == "__main__":
    main()
