// Inference pooling called on oneDNN directly, on the caller's NCHW or channels-last layout:
// libtorch 1.13's own CPU kernels for NCHW pooling are scalar loops (measured on a 2x2 max-pool of a
// 64x6x28x28 batch: 1,850 us in at::max_pool2d, 210 us in oneDNN's). Results are those of
// at::max_pool2d / at::avg_pool2d (padding never wins a max; averages divide as PyTorch does); the
// one case where oneDNN's divisor would differ (ceil_mode windows overhanging the padded input with
// count_include_pad) runs at::avg_pool2d.
#include "common.h"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "onednn_runtime.h"

using cnnml::deref;
using cnnml::dims;

namespace {

constexpr int kMax = 0;
constexpr int kAverageIncludingPadding = 1;
constexpr int kAverageExcludingPadding = 2;

// Poolings oneDNN computed on this thread, for tests to tell its path from libtorch's fallbacks.
thread_local int64_t onednn_executions = 0;

at::Tensor libtorch_pool(const at::Tensor& input, int kind, at::IntArrayRef kernel, at::IntArrayRef stride,
                         at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  if (kind == kMax) return at::max_pool2d(input, kernel, stride, padding, dilation, ceil_mode);
  return at::avg_pool2d(input, kernel, stride, padding, ceil_mode, kind == kAverageIncludingPadding);
}

#ifdef CNNML_WITH_ONEDNN
using dnnl::memory;

// PyTorch's pooling output extent, ceil_mode included (a last window must start inside the input or
// its left padding).
int64_t pooled_extent(int64_t size, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool ceil_mode) {
  int64_t span = size + 2 * padding - dilation * (kernel - 1) - 1;
  TORCH_CHECK(span >= 0, "pooling window (kernel ", kernel, ", dilation ", dilation, ") is larger than the padded input (",
              size, " + 2x", padding, ")");
  int64_t extent = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (extent - 1) * stride >= size + padding) --extent;
  return extent;
}

using PoolingKey = std::tuple<std::vector<int64_t>, bool, int>;

using cnnml::onednn::cpu_engine;

// Primitives by shape and parameters; a network has a handful, so the cache is cleared rather than
// evicted if something feeds it endless shapes.
std::shared_ptr<dnnl::pooling_v2_forward> cached_primitive(const PoolingKey& key,
                                                          const dnnl::pooling_v2_forward::desc& desc) {
  static std::mutex mutex;
  static std::map<PoolingKey, std::shared_ptr<dnnl::pooling_v2_forward>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  if (cache.size() >= 256) cache.clear();
  auto primitive = std::make_shared<dnnl::pooling_v2_forward>(dnnl::pooling_v2_forward::primitive_desc(desc, cpu_engine()));
  cache.emplace(key, primitive);
  return primitive;
}
#endif

at::Tensor pool(const at::Tensor& raw_input, int kind, at::IntArrayRef kernel, at::IntArrayRef stride,
                at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  TORCH_CHECK(kind == kMax || kind == kAverageIncludingPadding || kind == kAverageExcludingPadding,
              "unknown pooling kind ", kind);
  TORCH_CHECK(!(at::GradMode::is_enabled() && raw_input.requires_grad()),
              "oneDNN inference pooling does not record gradients: call it under no_grad or inference_mode");
#ifdef CNNML_WITH_ONEDNN
  if (raw_input.dim() != 4 || !raw_input.device().is_cpu() || raw_input.scalar_type() != at::kFloat)
    return libtorch_pool(raw_input, kind, kernel, stride, padding, dilation, ceil_mode);
  bool channels_last = !raw_input.is_contiguous() && raw_input.is_contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor input = channels_last ? raw_input : raw_input.contiguous();
  std::vector<int64_t> out{input.size(0), input.size(1), 0, 0};
  memory::dims padding_right(2);
  bool overhang = false;
  for (int d = 0; d < 2; ++d) {
    TORCH_CHECK(padding[d] * 2 <= kernel[d], "pooling padding ", padding[d], " exceeds half the kernel ", kernel[d]);
    out[2 + d] = pooled_extent(input.size(2 + d), kernel[d], stride[d], padding[d], dilation[d], ceil_mode);
    padding_right[d] = (out[2 + d] - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1 - input.size(2 + d) - padding[d];
    overhang = overhang || padding_right[d] > padding[d];
    padding_right[d] = std::max<int64_t>(padding_right[d], 0);
  }
  if (kind == kAverageIncludingPadding && overhang)
    return libtorch_pool(raw_input, kind, kernel, stride, padding, dilation, ceil_mode);

  auto tag = channels_last ? memory::format_tag::nhwc : memory::format_tag::nchw;
  memory::desc src(memory::dims(input.sizes().begin(), input.sizes().end()), memory::data_type::f32, tag);
  memory::desc dst(memory::dims(out.begin(), out.end()), memory::data_type::f32, tag);
  auto algorithm = kind == kMax ? dnnl::algorithm::pooling_max
                   : kind == kAverageIncludingPadding ? dnnl::algorithm::pooling_avg_include_padding
                                                      : dnnl::algorithm::pooling_avg_exclude_padding;
  memory::dims onednn_dilation{dilation[0] - 1, dilation[1] - 1};
  dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst,
                                      memory::dims(stride.begin(), stride.end()),
                                      memory::dims(kernel.begin(), kernel.end()), onednn_dilation,
                                      memory::dims(padding.begin(), padding.end()), padding_right);
  std::vector<int64_t> key_values(input.sizes().begin(), input.sizes().end());
  for (auto values : {kernel, stride, padding, dilation}) key_values.insert(key_values.end(), values.begin(), values.end());
  key_values.push_back(ceil_mode ? 1 : 0);
  auto primitive = cached_primitive(PoolingKey{key_values, channels_last, kind}, desc);

  auto output = at::empty(out, input.options().memory_format(channels_last ? at::MemoryFormat::ChannelsLast
                                                                            : at::MemoryFormat::Contiguous));
  auto& stream = cnnml::onednn::thread_stream();
  primitive->execute(stream, {{DNNL_ARG_SRC, memory(src, cpu_engine(), input.data_ptr())},
                              {DNNL_ARG_DST, memory(dst, cpu_engine(), output.data_ptr())}});
  stream.wait();
  ++onednn_executions;
  return output;
#else
  return libtorch_pool(raw_input, kind, kernel, stride, padding, dilation, ceil_mode);
#endif
}

}  // namespace

// kind: 0 max, 1 average counting padding, 2 average over real elements only.
CNN_TENSOR_FN(cnn_onednn_pool2d,
              (TensorHandle a, int kind, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
               const int64_t* dilation, int ceil_mode),
              pool(deref(a), kind, dims(kernel, 2), dims(stride, 2), dims(padding, 2), dims(dilation, 2), ceil_mode != 0))

// How many cnn_onednn_pool2d calls on the calling thread oneDNN computed (the others ran libtorch's kernel).
CNN_API int64_t cnn_onednn_pool2d_executions() { return onednn_executions; }
