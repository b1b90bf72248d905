// olsformer: umbrella header.
#pragma once
#include "olsformer/attention.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/covariance.hpp"
#include "olsformer/hopfield.hpp"
#include "olsformer/jacobi.hpp"
#include "olsformer/kernels.hpp"
#include "olsformer/linear_attention_layer.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/ols_transformer.hpp"
#include "olsformer/simd_width.hpp"
#include "olsformer/softmax_attention_layer.hpp"
#include "olsformer/status.hpp"
