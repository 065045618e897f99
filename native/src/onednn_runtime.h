// The oneDNN engine and per-thread stream shared by the shim's oneDNN kernels (convolution, pooling).
#pragma once

#ifdef CNNML_WITH_ONEDNN
#include <dnnl.hpp>

namespace cnnml::onednn {

inline dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN streams are not thread-safe: one per calling thread (CPU execution is synchronous).
inline dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

}  // namespace cnnml::onednn
#endif
