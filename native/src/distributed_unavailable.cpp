// The distributed exports of a native library built without Gloo's headers: single-process
// training and scoring work; creating a rendezvous store or a process group fails with this message.
#include "common.h"

namespace {
const char* const kNoGloo =
    "this CnnMl native library was built without distributed training (c10d's Gloo headers were not found); "
    "install libgloo-dev and rebuild";

int fail() {
  cnnml::set_error(kNoGloo);
  return -1;
}
}  // namespace

CNN_API void* cnn_dist_store_create(const char*, int, int, int, int, int64_t) {
  fail();
  return nullptr;
}
CNN_API void cnn_dist_store_free(void*) {}
CNN_API int cnn_dist_store_set(void*, const char*, const uint8_t*, int) { return fail(); }
CNN_API int cnn_dist_store_get(void*, const char*, uint8_t*, int) { return fail(); }
CNN_API int cnn_dist_store_check(void*, const char*) { return fail(); }
CNN_API int64_t cnn_dist_store_add(void*, const char*, int64_t) {
  fail();
  return INT64_MIN;
}
CNN_API int cnn_dist_backends() { return 0; }
CNN_API void* cnn_dist_group_create(void*, int, int, int64_t, const char*, int, int) {
  fail();
  return nullptr;
}
CNN_API void cnn_dist_group_free(void*) {}
CNN_API int cnn_dist_all_reduce(void*, const TensorHandle*, int, int) { return fail(); }
CNN_API int cnn_dist_broadcast_coalesced(void*, const TensorHandle*, int, int64_t, int) { return fail(); }
CNN_API int cnn_dist_barrier(void*) { return fail(); }
CNN_API TensorHandle cnn_dist_sync_batch_norm(void*, TensorHandle, TensorHandle, TensorHandle, TensorHandle, TensorHandle, double,
                                              double) {
  fail();
  return nullptr;
}
CNN_API void* cnn_ddp_create(void*, const TensorHandle*, int, int64_t, int64_t, int, int) {
  fail();
  return nullptr;
}
CNN_API void cnn_ddp_free(void*) {}
CNN_API int cnn_ddp_before_forward(void*) { return fail(); }
CNN_API int cnn_ddp_prepare_for_backward(void*, const TensorHandle*, int) { return fail(); }
CNN_API int cnn_ddp_set_runtime_stats_sample_rate(void*, int) { return fail(); }
CNN_API int64_t cnn_ddp_logging_int(void*, const char*) {
  fail();
  return INT64_MIN;
}
