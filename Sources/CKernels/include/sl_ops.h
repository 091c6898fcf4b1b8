// Non-quantized operators of the forward pass (norms, RoPE, attention, ...).
#pragma once
#include <stddef.h>
#include <stdint.h>
