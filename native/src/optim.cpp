// Optimizer updates, one native call per step for all parameters of a group. The arithmetic
// follows torch.optim's single-tensor implementations (1.13) so results match PyTorch.
#include "common.h"

#include <cmath>

using cnnml::deref;

namespace {
at::Tensor& state_slot(TensorHandle* slots, int i, const at::Tensor& like) {
  if (slots[i] == nullptr) slots[i] = cnnml::wrap(at::zeros_like(like, at::MemoryFormat::Preserve));
  return *slots[i];
}
}  // namespace

// momentum_buffers[i] may be null on the first step; it then receives a new handle owned by the caller.
CNN_STATUS_FN(cnn_sgd_step,
              (const TensorHandle* params, TensorHandle* momentum_buffers, int count, double lr, double momentum,
               double dampening, double weight_decay, int nesterov, int maximize), {
  at::NoGradGuard no_grad;
  for (int i = 0; i < count; ++i) {
    auto& param = *params[i];
    const auto& grad = param.grad();
    if (!grad.defined()) continue;
    auto d_p = maximize ? grad.neg() : grad;
    if (weight_decay != 0) d_p = d_p.add(param, weight_decay);
    if (momentum != 0) {
      if (momentum_buffers[i] == nullptr) {
        momentum_buffers[i] = cnnml::wrap(d_p.clone().detach());
      } else {
        momentum_buffers[i]->mul_(momentum).add_(d_p, 1 - dampening);
      }
      const auto& buf = *momentum_buffers[i];
      d_p = nesterov ? d_p.add(buf, momentum) : buf;
    }
    param.add_(d_p, -lr);
  }
})

// Adam (Kingma and Ba 2015) and, with decoupled != 0, AdamW (Loshchilov and Hutter 2019).
// steps[i] counts the updates of parameter i; state tensors are created on first use.
CNN_STATUS_FN(cnn_adam_step,
              (const TensorHandle* params, TensorHandle* exp_avgs, TensorHandle* exp_avg_sqs,
               TensorHandle* max_exp_avg_sqs, int64_t* steps, int count, double lr, double beta1, double beta2,
               double eps, double weight_decay, int amsgrad, int maximize, int decoupled), {
  at::NoGradGuard no_grad;
  for (int i = 0; i < count; ++i) {
    auto& param = *params[i];
    const auto& raw_grad = param.grad();
    if (!raw_grad.defined()) continue;
    auto grad = maximize ? raw_grad.neg() : raw_grad;
    auto& exp_avg = state_slot(exp_avgs, i, param);
    auto& exp_avg_sq = state_slot(exp_avg_sqs, i, param);
    auto step = static_cast<double>(++steps[i]);
    if (decoupled) {
      param.mul_(1 - lr * weight_decay);
    } else if (weight_decay != 0) {
      grad = grad.add(param, weight_decay);
    }
    exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    double bias_correction1 = 1 - std::pow(beta1, step);
    double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, step));
    double step_size = lr / bias_correction1;
    at::Tensor denom;
    if (amsgrad) {
      auto& max_sq = state_slot(max_exp_avg_sqs, i, param);
      at::maximum_out(max_sq, max_sq, exp_avg_sq);
      denom = (max_sq.sqrt() / bias_correction2_sqrt).add_(eps);
    } else {
      denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
    }
    param.addcdiv_(exp_avg, denom, -step_size);
  }
})

// Clears the gradients of all parameters: set to undefined, or zeroed in place as torch 1.13 does by default.
CNN_STATUS_FN(cnn_zero_grad, (const TensorHandle* params, int count, int set_to_none), {
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
      grad.zero_();
    }
  }
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
