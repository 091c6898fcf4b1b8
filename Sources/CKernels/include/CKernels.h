// Umbrella header of the CKernels module: hot numeric kernels for Sluice.
#pragma once
#include "sl_quants.h"
#include "sl_ops.h"
#include "sl_threadpool.h"
#include "sl_gemm.h"
#include "sl_membench.h"
