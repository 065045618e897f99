// Data-parallel training over libtorch's c10d: the TCPStore rendezvous, process groups (Gloo; on
// libtorch 2.x built with CUDA and NCCL, NCCL for CUDA tensors beside Gloo for CPU ones), the
// collectives the trainers need, and c10d's own DDP Reducer (bucketed gradient all-reduce launched
// from autograd hooks while the backward pass still runs), driven the way PyTorch's
// DistributedDataParallel drives it.
#include "common.h"

#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef CNNML_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/logger.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {
using StorePtr = c10::intrusive_ptr<c10d::Store>;
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;

struct Ddp {
  std::shared_ptr<c10d::Reducer> reducer;
  std::shared_ptr<c10d::Logger> logger;
};

StorePtr& store_of(void* handle) {
  if (handle == nullptr) throw std::invalid_argument("null store handle");
  return *static_cast<StorePtr*>(handle);
}

GroupPtr& group_of(void* handle) {
  if (handle == nullptr) throw std::invalid_argument("null process group handle");
  return *static_cast<GroupPtr*>(handle);
}

Ddp& ddp_of(void* handle) {
  if (handle == nullptr) throw std::invalid_argument("null DDP handle");
  return *static_cast<Ddp*>(handle);
}

const char* const kNoNccl =
    "NCCL is not available: this CnnMl native library was built against libtorch " TORCH_VERSION
    " without c10d's NCCL backend; it needs libtorch 2.x built with CUDA and NCCL, with nccl.h found at build time "
    "(CNNML_LIBTORCH_DIR, CNNML_WITH_NCCL)";

c10d::ReduceOp reduce_op(int op) {
  switch (op) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::MIN;
    case 2: return c10d::ReduceOp::MAX;
    default: throw std::invalid_argument("unknown reduce operation " + std::to_string(op));
  }
}

// Gloo's transport device: the interface GLOO_SOCKET_IFNAME names (as PyTorch honours it), else
// the address this rank's hostname resolves to, else loopback when every rank is on this machine.
std::shared_ptr<gloo::transport::Device> gloo_device(const std::string& master_address) {
  if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface != nullptr && *iface != '\0')
    return c10d::ProcessGroupGloo::createDeviceForInterface(iface);
  if (master_address == "127.0.0.1" || master_address == "localhost" || master_address == "::1")
    return c10d::ProcessGroupGloo::createDeviceForHostname(master_address == "localhost" ? "127.0.0.1" : master_address);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// TCPStoreOptions::useLibUV where this libtorch has it (2.2 and later); false where it has not.
template <typename Options>
auto set_use_libuv(Options& options, bool use, int) -> decltype(options.useLibUV = use, bool()) {
  options.useLibUV = use;
  return true;
}
template <typename Options>
bool set_use_libuv(Options&, bool, long) {
  return false;
}

void all_reduce_sum(c10d::ProcessGroup& group, at::Tensor& tensor) {
  std::vector<at::Tensor> one{tensor};
  group.allreduce(one)->wait();
}

// Batch normalization with the statistics of every rank's batch, as torch.nn.SyncBatchNorm computes
// them (which PyTorch 1.13 runs on CUDA only). Forward: each rank's per-channel mean and biased
// variance (two-pass), combined across ranks in float64 by one all-reduce of (n*mean, n*(var+mean^2), n).
// Backward: the input gradient needs the sums of dy and dy*(x-mean) over every rank's batch (one
// all-reduce); the weight and bias gradients stay this rank's own, which DDP then averages.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight,
                            const at::Tensor& bias, at::Tensor running_mean, at::Tensor running_var, double momentum,
                            double eps, int64_t group_address) {
    auto& group = *reinterpret_cast<c10d::ProcessGroup*>(group_address);
    const int64_t channels = input.size(1);
    const double count = static_cast<double>(input.numel() / channels);
    // A rank with an empty batch (all its images unreadable) adds nothing; var_mean of nothing is NaN.
    at::Tensor stats;
    if (count > 0) {
      auto [local_var, local_mean] = at::var_mean(input, {0, 2, 3}, /*unbiased=*/false);
      auto mean64 = local_mean.to(at::kDouble);
      stats = at::cat({mean64 * count, (local_var.to(at::kDouble) + mean64 * mean64) * count,
                       at::full({1}, count, mean64.options())});
    } else {
      stats = at::zeros({2 * channels + 1}, input.options().dtype(at::kDouble));
    }
    all_reduce_sum(group, stats);
    auto total = stats[2 * channels].item<double>();
    // Every rank's batch empty: no statistics to normalize with or to record.
    auto mean = total > 0 ? stats.narrow(0, 0, channels) / total : stats.narrow(0, 0, channels);
    auto var = total > 0 ? (stats.narrow(0, channels, channels) / total - mean * mean).clamp_min(0)
                         : stats.narrow(0, channels, channels);
    if (running_mean.defined() && total > 0) {
      at::NoGradGuard no_grad;
      running_mean.mul_(1 - momentum).add_(mean.to(running_mean.scalar_type()), momentum);
      running_var.mul_(1 - momentum).add_((var * (total / std::max(total - 1, 1.0))).to(running_var.scalar_type()), momentum);
    }
    auto mean_f = mean.to(input.scalar_type());
    auto invstd = (var + eps).rsqrt().to(input.scalar_type());
    auto scale = weight.defined() ? invstd * weight : invstd;
    auto output = (input - mean_f.view({1, -1, 1, 1})) * scale.view({1, -1, 1, 1});
    if (bias.defined()) output = output + bias.view({1, -1, 1, 1});
    ctx->save_for_backward({input, weight, mean_f, invstd});
    ctx->saved_data["total"] = total;
    ctx->saved_data["group"] = group_address;
    return output;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const auto& mean = saved[2];
    const auto& invstd = saved[3];
    auto& group = *reinterpret_cast<c10d::ProcessGroup*>(ctx->saved_data["group"].toInt());
    const double total = ctx->saved_data["total"].toDouble();
    const auto& dy = grads[0];
    const int64_t channels = input.size(1);
    auto xmu = input - mean.view({1, -1, 1, 1});
    auto sum_dy = dy.sum({0, 2, 3});
    auto sum_dy_xmu = (dy * xmu).sum({0, 2, 3});
    auto grad_weight = weight.defined() ? sum_dy_xmu * invstd : at::Tensor();
    auto grad_bias = sum_dy;
    auto sums = at::cat({sum_dy, sum_dy_xmu}).to(at::kDouble);
    all_reduce_sum(group, sums);
    auto mean_dy = (sums.narrow(0, 0, channels) / total).to(input.scalar_type());
    auto mean_dy_xmu = (sums.narrow(0, channels, channels) / total).to(input.scalar_type());
    auto scale = weight.defined() ? invstd * weight : invstd;
    auto grad_input = (dy - mean_dy.view({1, -1, 1, 1}) - xmu * (invstd * invstd * mean_dy_xmu).view({1, -1, 1, 1})) *
                      scale.view({1, -1, 1, 1});
    return {grad_input, grad_weight, grad_bias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

// Rank 0 (is_server) listens on host:port; every rank connects and, with wait_for_workers, counts
// itself in, and the server waits until world_size ranks have. A second connection of a rank
// passes wait_for_workers=0. timeout_ms bounds connecting and every get/wait.
CNN_API void* cnn_dist_store_create(const char* host, int port, int world_size, int is_server, int wait_for_workers,
                                    int64_t timeout_ms) {
  CNN_TRY
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = is_server != 0;
  options.numWorkers = world_size;
  options.waitWorkers = wait_for_workers != 0;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  const char* libuv = std::getenv("USE_LIBUV");
  const bool want_libuv = libuv == nullptr || std::strcmp(libuv, "0") != 0;
  if (!set_use_libuv(options, want_libuv, 0)) return new StorePtr(c10::make_intrusive<c10d::TCPStore>(host, options));
  try {
    return new StorePtr(c10::make_intrusive<c10d::TCPStore>(host, options));
  } catch (const std::exception& e) {
    // libtorch 2.4+ asks for the libuv server by default; a libtorch built without it (Debian's)
    // refuses before opening anything, and its classic server speaks the same protocol.
    if (!want_libuv || std::strstr(e.what(), "without libuv") == nullptr) throw;
  }
  set_use_libuv(options, false, 0);
  return new StorePtr(c10::make_intrusive<c10d::TCPStore>(host, options));
  CNN_CATCH(nullptr)
}

CNN_API void cnn_dist_store_free(void* store) { delete static_cast<StorePtr*>(store); }

CNN_STATUS_FN(cnn_dist_store_set, (void* store, const char* key, const uint8_t* value, int length), {
  store_of(store)->set(key, std::vector<uint8_t>(value, value + length));
})

// Copies at most capacity bytes of the value into buffer; returns the value's full length.
CNN_API int cnn_dist_store_get(void* store, const char* key, uint8_t* buffer, int capacity) {
  CNN_TRY
  auto value = store_of(store)->get(key);
  std::memcpy(buffer, value.data(), std::min(value.size(), static_cast<size_t>(capacity)));
  return static_cast<int>(value.size());
  CNN_CATCH(-1)
}

// Whether key exists now, without waiting: 1 or 0 (-1 on failure).
CNN_API int cnn_dist_store_check(void* store, const char* key) {
  CNN_TRY
  return store_of(store)->check({key}) ? 1 : 0;
  CNN_CATCH(-1)
}

CNN_API int64_t cnn_dist_store_add(void* store, const char* key, int64_t delta) {
  CNN_TRY
  return store_of(store)->add(key, delta);
  CNN_CATCH(INT64_MIN)
}

// The backends this library can create: bit 0 Gloo, bit 1 NCCL.
CNN_API int cnn_dist_backends() {
#ifdef CNNML_WITH_NCCL
  return 3;
#else
  return 1;
#endif
}

// A process group whose CPU tensors go through Gloo and whose CUDA tensors go through NCCL when
// nccl is set, else through Gloo as well (torch.distributed's "cpu:gloo,cuda:nccl" and "gloo").
// Each backend meets the others under its own key prefix of the shared store.
CNN_API void* cnn_dist_group_create(void* store, int rank, int world_size, int64_t timeout_ms, const char* master_address,
                                    int gloo_threads, int nccl) {
  CNN_TRY
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  auto& shared = store_of(store);
  auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
  gloo_options->devices.push_back(gloo_device(master_address));
  if (gloo_threads > 0) gloo_options->threads = gloo_threads;
  auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("cpu/", shared), rank,
                                                         world_size, gloo_options);
#if TORCH_VERSION_MAJOR < 2
  if (nccl) throw std::runtime_error(kNoNccl);
  GroupPtr group = std::move(gloo);
#else
#if TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 6
  auto group = c10::make_intrusive<c10d::ProcessGroup>(
      shared, rank, world_size, c10::make_intrusive<c10d::ProcessGroup::Options>(nccl ? "cpu:gloo,cuda:nccl" : "gloo", timeout));
#else
  auto group = c10::make_intrusive<c10d::ProcessGroup>(shared, rank, world_size);
#endif
  group->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
  if (nccl) {
#ifdef CNNML_WITH_NCCL
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = timeout;
    auto backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("cuda/", shared), rank,
                                                               world_size, nccl_options);
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, backend);
#else
    throw std::runtime_error(kNoNccl);
#endif
  } else {
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::GLOO, gloo);
  }
  group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
#endif
  return new GroupPtr(std::move(group));
  CNN_CATCH(nullptr)
}

CNN_API void cnn_dist_group_free(void* group) { delete static_cast<GroupPtr*>(group); }

// In place on every rank, waiting for completion (the group's timeout bounds the wait).
CNN_STATUS_FN(cnn_dist_all_reduce, (void* group, const TensorHandle* tensors, int count, int op), {
  auto& pg = group_of(group);
  c10d::AllreduceOptions options;
  options.reduceOp = reduce_op(op);
  for (int i = 0; i < count; ++i) {
    std::vector<at::Tensor> one{cnnml::deref(tensors[i])};
    pg->allreduce(one, options)->wait();
  }
})

// Overwrites the tensors on every rank with root's, packed into buffers of at most buffer_bytes
// (c10d's broadcast_coalesced, which DDP uses for its initial weights and its buffers).
CNN_STATUS_FN(cnn_dist_broadcast_coalesced, (void* group, const TensorHandle* tensors, int count, int64_t buffer_bytes, int root), {
  at::NoGradGuard no_grad;
  auto list = cnnml::tensor_list(tensors, count);
  c10d::broadcast_coalesced(group_of(group), list, static_cast<size_t>(buffer_bytes), root);
})

// Training-mode batch normalization with statistics over every rank's batch (SyncBatchNorm);
// running_mean/var (optional) are updated in place; weight and bias are optional.
CNN_TENSOR_FN(cnn_dist_sync_batch_norm,
              (void* group, TensorHandle input, TensorHandle weight, TensorHandle bias, TensorHandle running_mean,
               TensorHandle running_var, double momentum, double eps),
              SyncBatchNormFunction::apply(cnnml::deref(input), weight ? *weight : at::Tensor(), bias ? *bias : at::Tensor(),
                                           running_mean ? *running_mean : at::Tensor(), running_var ? *running_var : at::Tensor(),
                                           momentum, eps, reinterpret_cast<int64_t>(group_of(group).get())))

CNN_STATUS_FN(cnn_dist_barrier, (void* group), { group_of(group)->barrier()->wait(); })

// c10d::Reducer over the parameters in registration order, bucketed as PyTorch 1.13's DDP does
// with find_unused_parameters=false: one bucket for the first iteration, rebuilt after it in the
// order the gradients became ready, first bucket first_bucket_bytes, the others bucket_bytes.
CNN_API void* cnn_ddp_create(void* group, const TensorHandle* params, int count, int64_t bucket_bytes,
                             int64_t first_bucket_bytes, int find_unused_parameters, int gradient_as_bucket_view) {
  CNN_TRY
  auto& pg = group_of(group);
  auto parameters = cnnml::tensor_list(params, count);
  c10d::verify_params_across_processes(pg, parameters, c10::nullopt);
  std::vector<bool> expect_sparse(parameters.size(), false);
  std::vector<size_t> limits = find_unused_parameters
      ? std::vector<size_t>{static_cast<size_t>(first_bucket_bytes), static_cast<size_t>(bucket_bytes)}
      : std::vector<size_t>{std::numeric_limits<size_t>::max()};
  auto [bucket_indices, per_bucket_limits] = c10d::compute_bucket_assignment_by_size(parameters, limits, expect_sparse);
  std::reverse(bucket_indices.begin(), bucket_indices.end());
  std::reverse(per_bucket_limits.begin(), per_bucket_limits.end());
  auto ddp = std::make_unique<Ddp>();
  ddp->reducer = std::make_shared<c10d::Reducer>(parameters, bucket_indices, per_bucket_limits, pg, expect_sparse,
                                                 bucket_bytes, find_unused_parameters != 0, gradient_as_bucket_view != 0,
                                                 std::unordered_map<size_t, std::string>(), first_bucket_bytes);
  ddp->logger = std::make_shared<c10d::Logger>(ddp->reducer);
  ddp->reducer->set_logger(ddp->logger);
  ddp->logger->set_construction_data_and_log("CnnMl", {}, -1, true, false, false);
  return ddp.release();
  CNN_CATCH(nullptr)
}

CNN_API void cnn_ddp_free(void* ddp) { delete static_cast<Ddp*>(ddp); }

// What DDP's forward does before the module runs in a step that will synchronize gradients.
CNN_STATUS_FN(cnn_ddp_before_forward, (void* handle), {
  auto& ddp = ddp_of(handle);
  ddp.logger->set_runtime_stats_and_log();
  ddp.reducer->prepare_for_forward();
  ddp.reducer->rebuild_buckets();
})

// Arms the reducer for the backward pass of outputs (the tensors are only consulted with
// find_unused_parameters, to find the parameters this step did not use).
CNN_STATUS_FN(cnn_ddp_prepare_for_backward, (void* handle, const TensorHandle* outputs, int count), {
  ddp_of(handle).reducer->prepare_for_backward(cnnml::tensor_list(outputs, count));
})

CNN_STATUS_FN(cnn_ddp_set_runtime_stats_sample_rate, (void* handle, int rate), {
  ddp_of(handle).reducer->set_ddp_runtime_logging_sample_rate(rate);
})

// c10d's runtime statistic `name` (nanoseconds for the avg_* timings), or -1 when not recorded yet.
CNN_API int64_t cnn_ddp_logging_int(void* handle, const char* name) {
  CNN_TRY
  auto data = ddp_of(handle).logger->get_ddp_logging_data();
  auto found = data.ints_map.find(name);
  return found == data.ints_map.end() ? -1 : found->second;
  CNN_CATCH(INT64_MIN)
}
