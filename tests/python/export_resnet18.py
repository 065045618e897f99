"""Writes a torchvision ResNet-18 state_dict (1000 classes, randomly initialised: nothing is
downloaded) to a safetensors file, as a user would export pretrained weights for CnnMl."""
import sys

import torch
import torchvision

from st_io import save

torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None)
save({k: v.detach().contiguous() for k, v in model.state_dict().items()}, sys.argv[1])
