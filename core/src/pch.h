#pragma once
// Precompiled for every pare_core source: torch headers cost ~30 s a file otherwise.
#include <torch/script.h>
#include <torch/torch.h>
