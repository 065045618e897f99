// Optimizer updates, one native call per step for all parameters of a group. The arithmetic
// follows torch.optim's single-tensor implementations (1.13) so results match PyTorch; it is issued
// through the _foreach_ kernels (PyTorch's own multi-tensor path on CUDA).
#include "common.h"

#include <cmath>

using cnnml::deref;

namespace {
at::Tensor& state_slot(TensorHandle* slots, int i, const at::Tensor& like) {
  if (slots[i] == nullptr) slots[i] = cnnml::wrap(at::zeros_like(like, at::MemoryFormat::Preserve));
  return *slots[i];
}

// The parameters of a group that have a gradient, with their gradients (negated when maximizing),
// as lists for the _foreach_ kernels: one multi-tensor launch per arithmetic step on a GPU instead of
// one per parameter, the same per-tensor arithmetic on the CPU (bit-identical to the single-tensor loop).
struct GradientList {
  std::vector<at::Tensor> params, grads;
  std::vector<int> index;
};

GradientList with_gradients(const TensorHandle* params, int count, int maximize) {
  GradientList list;
  for (int i = 0; i < count; ++i) {
    const auto& grad = params[i]->grad();
    if (!grad.defined()) continue;
    list.params.push_back(*params[i]);
    list.grads.push_back(maximize ? grad.neg() : grad);
    list.index.push_back(i);
  }
  return list;
}
}  // namespace

// momentum_buffers[i] may be null on the first step; it then receives a new handle owned by the caller.
CNN_STATUS_FN(cnn_sgd_step,
              (const TensorHandle* params, TensorHandle* momentum_buffers, int count, double lr, double momentum,
               double dampening, double weight_decay, int nesterov, int maximize), {
  at::NoGradGuard no_grad;
  auto list = with_gradients(params, count, maximize);
  if (list.params.empty()) return 0;
  auto d_p = weight_decay != 0 ? at::_foreach_add(list.grads, list.params, weight_decay) : list.grads;
  if (momentum != 0) {
    std::vector<at::Tensor> buffers;
    std::vector<at::Tensor> existing;
    std::vector<at::Tensor> existing_d_p;
    for (size_t k = 0; k < list.index.size(); ++k) {
      auto& slot = momentum_buffers[list.index[k]];
      if (slot == nullptr) {
        slot = cnnml::wrap(d_p[k].clone().detach());
      } else {
        existing.push_back(*slot);
        existing_d_p.push_back(d_p[k]);
      }
      buffers.push_back(*slot);
    }
    if (!existing.empty()) {
      at::_foreach_mul_(existing, momentum);
      at::_foreach_add_(existing, existing_d_p, 1 - dampening);
    }
    d_p = nesterov ? at::_foreach_add(d_p, buffers, momentum) : buffers;
  }
  at::_foreach_add_(list.params, d_p, -lr);
})

// Adam (Kingma and Ba 2015) and, with decoupled != 0, AdamW (Loshchilov and Hutter 2019).
// steps[i] counts the updates of parameter i; state tensors are created on first use.
CNN_STATUS_FN(cnn_adam_step,
              (const TensorHandle* params, TensorHandle* exp_avgs, TensorHandle* exp_avg_sqs,
               TensorHandle* max_exp_avg_sqs, int64_t* steps, int count, double lr, double beta1, double beta2,
               double eps, double weight_decay, int amsgrad, int maximize, int decoupled), {
  at::NoGradGuard no_grad;
  auto list = with_gradients(params, count, maximize);
  if (list.params.empty()) return 0;
  std::vector<at::Tensor> avg;
  std::vector<at::Tensor> avg_sq;
  std::vector<at::Tensor> max_sq;
  std::vector<at::Scalar> bias_correction2_sqrt;
  std::vector<at::Scalar> negative_step_size;
  for (size_t k = 0; k < list.index.size(); ++k) {
    int i = list.index[k];
    avg.push_back(state_slot(exp_avgs, i, list.params[k]));
    avg_sq.push_back(state_slot(exp_avg_sqs, i, list.params[k]));
    if (amsgrad) max_sq.push_back(state_slot(max_exp_avg_sqs, i, list.params[k]));
    auto step = static_cast<double>(++steps[i]);
    bias_correction2_sqrt.emplace_back(std::sqrt(1 - std::pow(beta2, step)));
    negative_step_size.emplace_back(-lr / (1 - std::pow(beta1, step)));
  }
  auto grads = list.grads;
  if (decoupled) {
    at::_foreach_mul_(list.params, 1 - lr * weight_decay);
  } else if (weight_decay != 0) {
    grads = at::_foreach_add(grads, list.params, weight_decay);
  }
  at::_foreach_mul_(avg, beta1);
  at::_foreach_add_(avg, grads, 1 - beta1);
  at::_foreach_mul_(avg_sq, beta2);
  at::_foreach_addcmul_(avg_sq, grads, grads, 1 - beta2);
  if (amsgrad) {
    for (size_t k = 0; k < max_sq.size(); ++k) at::maximum_out(max_sq[k], max_sq[k], avg_sq[k]);
  }
  auto denom = at::_foreach_sqrt(amsgrad ? max_sq : avg_sq);
  at::_foreach_div_(denom, bias_correction2_sqrt);
  at::_foreach_add_(denom, eps);
  at::_foreach_addcdiv_(list.params, avg, denom, negative_step_size);
})

// Clears the gradients of all parameters: set to undefined, or zeroed in place as torch 1.13 does by default.
CNN_STATUS_FN(cnn_zero_grad, (const TensorHandle* params, int count, int set_to_none), {
  std::vector<at::Tensor> to_zero;
  for (int i = 0; i < count; ++i) {
    auto& grad = params[i]->mutable_grad();
    if (!grad.defined()) continue;
    if (set_to_none) {
      grad = at::Tensor();
    } else {
      if (grad.grad_fn()) {
        grad = grad.detach();
      } else {
        grad.requires_grad_(false);
      }
      to_zero.push_back(grad);
    }
  }
  if (!to_zero.empty()) at::_foreach_zero_(to_zero);
})

// Sum of squared gradient norms, then in-place scaling when the total exceeds max_norm (clip_grad_norm_).
CNN_API double cnn_clip_grad_norm(const TensorHandle* params, int count, double max_norm) {
  CNN_TRY
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> norms;
  for (int i = 0; i < count; ++i) {
    const auto& g = params[i]->grad();
    if (g.defined()) norms.push_back(g.norm(2));
  }
  if (norms.empty()) return 0.0;
  double total = at::stack(norms).norm(2).item<double>();
  double coef = max_norm / (total + 1e-6);
  if (coef < 1) {
    for (int i = 0; i < count; ++i) {
      auto& g = params[i]->mutable_grad();
      if (g.defined()) g.mul_(coef);
    }
  }
  return total;
  CNN_CATCH(-1.0)
}
