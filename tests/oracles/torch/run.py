"""Runs TorchScript archives in torch (Debian python3-torch) for the C# tests.

stdin: {"runs": [{"model": "a.pt", "inputs": ["in0.npy", ...], "outdir": "dir"}, ...]}
stdout: {"results": [{"outputs": ["dir/out_0.npy", ...]} or {"error": "..."}, ...]}
"""
import json
import os
import sys
import traceback

import numpy as np
import torch


def run_one(run):
    module = torch.jit.load(run["model"], map_location="cpu")
    module.eval()
    inputs = [torch.from_numpy(np.load(p)) for p in run["inputs"]]
    with torch.no_grad():
        result = module(*inputs)
    if isinstance(result, torch.Tensor):
        result = (result,)
    os.makedirs(run["outdir"], exist_ok=True)
    paths = []
    for i, tensor in enumerate(result):
        path = os.path.join(run["outdir"], "out_%d.npy" % i)
        np.save(path, np.ascontiguousarray(tensor.detach().numpy()))
        paths.append(path)
    return {"outputs": paths}


def main():
    request = json.load(sys.stdin)
    results = []
    for run in request["runs"]:
        try:
            results.append(run_one(run))
        except Exception:  # noqa: BLE001 - every failure is reported per model
            results.append({"error": traceback.format_exc()})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
