// olsformer: the Hopfield associative memories (papers.md §2), one concept per header:
//   HebbianHopfield<D, Capacity>               classical, +-1 bits, capacity ~0.14 d
//   DenseHopfield<T, D, Capacity, Backend>     Krotov-Hopfield F(z) = z^a, max(z,0)^a, e^z
//   LinearHopfield<T, D, Capacity, Backend>    xi <- X^T X xi (linear attention), normalised
//   ModernHopfield<T, D, Capacity, Dv, Backend> xi <- X^T softmax(beta X xi) (softmax attention)
#pragma once
#include "olsformer/dense_hopfield.hpp"
#include "olsformer/hebbian_hopfield.hpp"
#include "olsformer/hopfield_types.hpp"
#include "olsformer/linear_hopfield.hpp"
#include "olsformer/modern_hopfield.hpp"
