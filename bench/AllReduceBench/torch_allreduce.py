"""One rank of the all-reduce bandwidth reference: torch.distributed (NCCL), timed exactly like
bench/AllReduceBench (our c10d path through C#): per size a correctness check, warm-up, then synchronized
timed all-reduces of a bf16 buffer; rank 0 prints one JSON line per size with every iteration's time.
Usage: python3 torch_allreduce.py --rank R --world N --port P [--sizes-mib 16,64,256,1024] [--warmup 5] [--iters 30]
"""
import argparse
import json
import time

import torch
import torch.distributed as dist


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--world", type=int, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sizes-mib", default="16,64,256,1024")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iters", type=int, default=30)
    a = p.parse_args()
    device = torch.device("cuda", a.rank)
    torch.cuda.set_device(device)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{a.port}", rank=a.rank, world_size=a.world,
                            device_id=device)
    for mib in (int(x) for x in a.sizes_mib.split(",")):
        nbytes = mib << 20
        t = torch.full((nbytes // 2,), float(a.rank + 1), dtype=torch.bfloat16, device=device)
        dist.all_reduce(t)
        expected = a.world * (a.world + 1) / 2
        wrong = int((t != expected).sum().item())
        if wrong:
            raise SystemExit(f"{wrong} elements of the {mib} MiB all-reduce are not {expected}")
        t.zero_()
        for _ in range(a.warmup):
            dist.all_reduce(t)
        torch.cuda.synchronize(device)
        times = []
        for _ in range(a.iters):
            torch.cuda.synchronize(device)
            start = time.perf_counter()
            dist.all_reduce(t)
            torch.cuda.synchronize(device)
            times.append((time.perf_counter() - start) * 1e3)
        if a.rank == 0:
            print(json.dumps({"impl": "torch.distributed", "world": a.world, "bytes": nbytes, "dtype": "BFloat16",
                              "times_ms": times}), flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
