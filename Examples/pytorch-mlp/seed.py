"""Writes a seed model to upload as the first global one: `python3 seed.py [OUT] [HIDDEN]` (default
seed.safetensors, 64 hidden units). PyTorch's own initialisation, under a fixed seed (0), so it is reproducible."""

import sys

import torch

import common

out = sys.argv[1] if len(sys.argv) > 1 else "seed.safetensors"
hidden = int(sys.argv[2]) if len(sys.argv) > 2 else 64
torch.manual_seed(0)
common.save_model(common.MLP(hidden), out)
print(f"wrote {out}: an MLP 64-{hidden}-10")
