"""Indices torch.utils.data.DistributedSampler (no shuffle, drop_last False) gives each rank.

Prints one JSON object: {"N,W": [[indices of rank 0], [rank 1], ...], ...} for the sizes asked."""
import json
import sys

from torch.utils.data import DistributedSampler

result = {}
for case in sys.argv[1:]:
    rows, world = (int(v) for v in case.split(","))
    result[case] = [list(DistributedSampler(range(rows), num_replicas=world, rank=rank, shuffle=False)) for rank in range(world)]
print(json.dumps(result))
