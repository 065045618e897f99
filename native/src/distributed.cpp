// Data-parallel training over libtorch's c10d: the TCPStore rendezvous, Gloo process groups,
// the collectives the trainers need, and c10d's own DDP Reducer (bucketed gradient all-reduce
// launched from autograd hooks while the backward pass still runs), driven the way PyTorch's
// DistributedDataParallel drives it.
#include "common.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
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

CNN_API void* cnn_dist_gloo_create(void* store, int rank, int world_size, int64_t timeout_ms, const char* master_address,
                                   int threads) {
  CNN_TRY
  auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(timeout_ms));
  options->devices.push_back(gloo_device(master_address));
  if (threads > 0) options->threads = threads;
  GroupPtr group = c10::make_intrusive<c10d::ProcessGroupGloo>(store_of(store), rank, world_size, options);
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
