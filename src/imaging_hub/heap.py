"""The cyclic garbage collector in long-running processes: what start-up built is kept out of its sight.

A hub or spoke process imports pydicom, pynetdicom, SQLAlchemy and FastAPI, and builds its de-identification
plans and routes: 120-190 thousand tracked objects that live as long as the process. CPython's full
collections walk all of them, and one falls due soon after work starts, when the survivors of young
collections add up: 60-190 ms of CPU in each de-identification worker in the middle of a transfer, on the
2-vCPU bench machine (``gc.callbacks``; ``perf`` put the collector at 9-11% of the workers' and the courier's
CPU in a 1200-instance end to end). Frozen once start-up is done, those objects are left out of every later
collection; what is made afterwards is collected as before.
"""

from __future__ import annotations

import gc


def freeze_start_up() -> int:
    """Collect what start-up left behind, then freeze everything still alive (``gc.freeze``): later
    collections look only at newer objects. How many objects are frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
