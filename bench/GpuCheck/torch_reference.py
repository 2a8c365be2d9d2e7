"""The same measurements as gpu-check, through Python torch on the same machine, for the ratios."""
import json, statistics, sys, time
import torch

def matmul_tflops(n=8192, repeats=20):
    g = torch.Generator().manual_seed(3)
    a = torch.randn(n, n, generator=g).to("cuda", torch.bfloat16)
    b = torch.randn(n, n, generator=g).to("cuda", torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return 2 * n ** 3 / statistics.median(times) / 1e12

def small_op_us(device, calls=20000):
    x = torch.randn(16, device=device)
    samples = []
    for _ in range(7):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(calls):
            x.add(x)
        if device == "cuda":
            torch.cuda.synchronize()
        samples.append((time.perf_counter() - t) / calls * 1e6)
    return statistics.median(samples)

if "--overhead" in sys.argv:
    report = {"small_op_us_cuda": small_op_us("cuda"), "small_op_us_cpu": small_op_us("cpu")}
else:
    report = {"torch": torch.__version__, "matmul_tflops": matmul_tflops(),
              "small_op_us_cuda": small_op_us("cuda"), "small_op_us_cpu": small_op_us("cpu")}
    json.dump(report, open(sys.argv[1], "w"), indent=2)
print(json.dumps(report))
