// Debian's libtorch-dev 1.13 installs c10d/reducer.hpp but not the distributed-autograd header it
// includes. The Reducer only holds a shared pointer to the RPC autograd context (which CnnMl never
// uses) and checks the type of its gradient callback, so these declarations are all it needs; they
// leave the Reducer's layout as libtorch compiled it. CMake adds this folder to the include path
// only when the real header is missing.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
