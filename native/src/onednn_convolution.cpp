// Inference convolutions called on oneDNN directly (the library libtorch itself links), for what
// at::conv2d never does: Winograd's F(4x4, 3x3) / F(2x2, 3x3) algorithm for 3x3 stride-1
// convolutions (a quarter of the multiplications) with the weights transformed once and kept, not
// on every call. A convolution oneDNN has no Winograd kernel for, or whose transformed weights would
// exceed the caller's byte limit, runs direct: at::conv2d at large batches, oneDNN's direct
// primitive on the caller's layout at small ones.
//
// One ConvolutionPlan per input shape and layout is built on first use and cached; the cache is
// dropped when the weight tensor changes (new storage or an in-place write bumps its version).
#include "common.h"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "onednn_runtime.h"

using cnnml::deref;

#ifdef CNNML_WITH_ONEDNN
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

constexpr int kAlgorithmDirect = 1;
constexpr int kAlgorithmWinograd = 2;
// From this batch on, Winograd weights are transformed and direct convolutions go to at::conv2d.
// Below it a call is short and oneDNN's direct primitive, called here, is measured 2-3x faster
// than at::conv2d at batch 1 (ResNets); a batch-1 shape would also want its own F(2x2, 3x3)
// weights, a second copy, so small batches reuse what a larger batch transformed, or run direct.
constexpr int64_t kLargeBatch = 8;
constexpr size_t kMaxBlockedOutputBytes = size_t{32} << 20;

using cnnml::onednn::cpu_engine;
using cnnml::onednn::thread_stream;

memory::dims to_dims(at::IntArrayRef sizes) { return memory::dims(sizes.begin(), sizes.end()); }

// Everything that depends on the input's shape: the primitive, the reorders around it and, for
// Winograd, the weights in the transformed domain.
struct ConvolutionPlan {
  dnnl::convolution_forward primitive;
  memory::desc user_src, user_dst, src, dst;
  std::unique_ptr<dnnl::reorder> src_reorder, dst_reorder, weights_reorder;
  memory::desc weights, scratchpad;
  memory transformed_weights;  // empty unless kept across calls
  int algorithm = kAlgorithmDirect;
  bool through_libtorch = false;  // a direct convolution at a large batch: at::conv2d's own call
};

using ShapeKey = std::tuple<int64_t, int64_t, int64_t, int64_t, bool>;

struct Convolution {
  at::Tensor weight;
  c10::optional<at::Tensor> bias;
  memory::dims stride, padding_left, padding_right, dilation;  // dilation in oneDNN's convention (d - 1)
  int64_t winograd_weight_limit = 0;

  std::mutex mutex;
  // Winograd-domain weights, made for the first shape that runs Winograd and shared by every later
  // shape whose primitive accepts the same layout (other shapes run direct): one copy at most.
  memory winograd_weights;
  const void* weight_data = nullptr;
  uint32_t weight_version = 0;
  std::map<ShapeKey, std::shared_ptr<ConvolutionPlan>> plans;
  int last_algorithm = 0;
};

uint32_t version_of(const at::Tensor& t) { return t.is_inference() ? 0 : t._version(); }

std::unique_ptr<dnnl::reorder> reorder_if_needed(const memory::desc& from, const memory::desc& to) {
  if (from == to) return nullptr;
  return std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to));
}

// The weight as stored (OIHW, or OHWI when channels-last) and its oneDNN description.
std::pair<at::Tensor, memory::desc> user_weights(const at::Tensor& weight) {
  bool channels_last = !weight.is_contiguous() && weight.is_contiguous(at::MemoryFormat::ChannelsLast);
  auto stored = channels_last ? weight : weight.contiguous();
  return {stored, memory::desc(to_dims(weight.sizes()), memory::data_type::f32, channels_last ? Tag::ohwi : Tag::oihw)};
}

// A primitive for one algorithm, or nothing where oneDNN has no implementation for it.
std::unique_ptr<dnnl::convolution_forward::primitive_desc> describe(const Convolution& conv, dnnl::algorithm algorithm,
                                                                    const memory::desc& src, const memory::desc& dst,
                                                                    const memory::desc* fixed_weights = nullptr) {
  auto weights =
      fixed_weights ? *fixed_weights : memory::desc(to_dims(conv.weight.sizes()), memory::data_type::f32, Tag::any);
  auto bias = conv.bias ? memory::desc({conv.weight.size(0)}, memory::data_type::f32, Tag::x) : memory::desc();
  // The scratchpad (Winograd's transformed tiles) is allocated per call from libtorch's allocator
  // instead of a buffer oneDNN would keep for the life of the process.
  dnnl::primitive_attr attributes;
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  try {
    auto desc = conv.bias
                    ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, algorithm, src, weights, bias,
                                                      dst, conv.stride, conv.dilation, conv.padding_left,
                                                      conv.padding_right)
                    : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, algorithm, src, weights, dst,
                                                      conv.stride, conv.dilation, conv.padding_left,
                                                      conv.padding_right);
    return std::make_unique<dnnl::convolution_forward::primitive_desc>(desc, attributes, cpu_engine());
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

// Winograd pays on layers whose channels fill oneDNN's 16-float blocks; a 3-channel stem would
// spend its time in padding.
bool winograd_candidate(const Convolution& conv) {
  return conv.winograd_weight_limit > 0 && conv.weight.size(2) == 3 && conv.weight.size(3) == 3 &&
         conv.weight.size(0) % 16 == 0 && conv.weight.size(1) % 16 == 0 && conv.stride[0] == 1 &&
         conv.stride[1] == 1 && conv.dilation[0] == 0 && conv.dilation[1] == 0;
}

std::shared_ptr<ConvolutionPlan> build_plan(Convolution& conv, const at::Tensor& input, bool channels_last,
                                            at::IntArrayRef output_sizes) {
  auto plan = std::make_shared<ConvolutionPlan>();
  auto user_tag = channels_last ? Tag::nhwc : Tag::nchw;
  plan->user_src = memory::desc(to_dims(input.sizes()), memory::data_type::f32, user_tag);
  plan->user_dst = memory::desc(to_dims(output_sizes), memory::data_type::f32, user_tag);
  auto any_src = memory::desc(to_dims(input.sizes()), memory::data_type::f32, Tag::any);
  auto any_dst = memory::desc(to_dims(output_sizes), memory::data_type::f32, Tag::any);

  std::unique_ptr<dnnl::convolution_forward::primitive_desc> pd;
  bool transform = false;
  if (winograd_candidate(conv)) {
    if (conv.winograd_weights) {
      auto shared = conv.winograd_weights.get_desc();
      pd = describe(conv, dnnl::algorithm::convolution_winograd, any_src, any_dst, &shared);
    } else {
      pd = describe(conv, dnnl::algorithm::convolution_winograd, any_src, any_dst);
      transform = pd && input.size(0) >= kLargeBatch &&
                  static_cast<int64_t>(pd->weights_desc().get_size()) <= conv.winograd_weight_limit;
      if (!transform) pd.reset();
    }
    // The blocked output coexists with the caller's copy of it: past this size the extra resident
    // memory (Inception v3's 147x147 layers at batch 64: 354 MB) outweighs the time saved.
    if (pd && pd->dst_desc().get_size() > kMaxBlockedOutputBytes) {
      pd.reset();
      transform = false;
    }
  }
  if (pd) {
    plan->algorithm = kAlgorithmWinograd;
  } else if (input.size(0) >= kLargeBatch) {
    // Large batches convolve directly as fast through at::conv2d, whose transient buffers were
    // measured to keep a lower peak resident set (ResNet-50 at batch 64).
    plan->through_libtorch = true;
    return plan;
  } else {
    // Direct convolution on the caller's layout where oneDNN takes it (channels-last), else its choice.
    pd = describe(conv, dnnl::algorithm::convolution_direct, channels_last ? plan->user_src : any_src,
                  channels_last ? plan->user_dst : any_dst);
    if (!pd) pd = describe(conv, dnnl::algorithm::convolution_direct, any_src, any_dst);
    TORCH_CHECK(pd != nullptr, "oneDNN has no convolution for input ", input.sizes(), " and weight ",
                conv.weight.sizes());
    plan->algorithm = kAlgorithmDirect;
  }
  plan->primitive = dnnl::convolution_forward(*pd);
  plan->src = pd->src_desc();
  plan->dst = pd->dst_desc();
  plan->weights = pd->weights_desc();
  plan->scratchpad = pd->scratchpad_desc();
  plan->src_reorder = reorder_if_needed(plan->user_src, plan->src);
  plan->dst_reorder = reorder_if_needed(plan->dst, plan->user_dst);
  if (transform) {
    // The transform costs far more than a call at small batches: do it once, from OIHW (the only
    // layout oneDNN transforms from).
    auto oihw = conv.weight.contiguous();
    memory::desc oihw_desc(to_dims(oihw.sizes()), memory::data_type::f32, Tag::oihw);
    conv.winograd_weights = memory(plan->weights, cpu_engine());
    memory raw(oihw_desc, cpu_engine(), oihw.data_ptr());
    dnnl::reorder(raw, conv.winograd_weights).execute(thread_stream(), raw, conv.winograd_weights);
    thread_stream().wait();
  }
  if (plan->algorithm == kAlgorithmWinograd) {
    plan->transformed_weights = conv.winograd_weights;
  } else {
    plan->weights_reorder = reorder_if_needed(user_weights(conv.weight).second, plan->weights);
  }
  return plan;
}

at::Tensor buffer_for(const memory::desc& desc) {
  return at::empty({static_cast<int64_t>((desc.get_size() + sizeof(float) - 1) / sizeof(float))}, at::kFloat);
}

at::Tensor run(Convolution& conv, const at::Tensor& raw_input) {
  TORCH_CHECK(raw_input.dim() == 4, "a oneDNN convolution expects 4-D input (N, C, H, W), got ", raw_input.dim(), "-D");
  TORCH_CHECK(raw_input.device().is_cpu() && raw_input.scalar_type() == at::kFloat,
              "a oneDNN convolution runs float32 CPU tensors, got ", raw_input.scalar_type(), " on ",
              raw_input.device());
  TORCH_CHECK(conv.weight.device().is_cpu() && conv.weight.scalar_type() == at::kFloat,
              "a oneDNN convolution needs its weight as float32 on the CPU, it is now ", conv.weight.scalar_type(),
              " on ", conv.weight.device());
  TORCH_CHECK(raw_input.size(1) == conv.weight.size(1), "convolution input has ", raw_input.size(1),
              " channels, its weight expects ", conv.weight.size(1));
  bool channels_last = !raw_input.is_contiguous() && raw_input.is_contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor input = channels_last ? raw_input : raw_input.contiguous();

  std::vector<int64_t> output_sizes{input.size(0), conv.weight.size(0), 0, 0};
  for (int d = 0; d < 2; ++d) {
    int64_t extent = input.size(2 + d) + conv.padding_left[d] + conv.padding_right[d] -
                     ((conv.dilation[d] + 1) * (conv.weight.size(2 + d) - 1) + 1);
    TORCH_CHECK(extent >= 0, "convolution input ", input.sizes(), " is smaller than the kernel ",
                conv.weight.sizes(), " with its padding");
    output_sizes[2 + d] = extent / conv.stride[d] + 1;
  }

  std::shared_ptr<ConvolutionPlan> plan;
  {
    std::lock_guard<std::mutex> lock(conv.mutex);
    auto version = version_of(conv.weight);
    if (conv.weight.data_ptr() != conv.weight_data || version != conv.weight_version) {
      conv.plans.clear();
      conv.winograd_weights = memory();
      conv.weight_data = conv.weight.data_ptr();
      conv.weight_version = version;
    }
    ShapeKey key{input.size(0), input.size(1), input.size(2), input.size(3), channels_last};
    auto found = conv.plans.find(key);
    if (found == conv.plans.end())
      found = conv.plans.emplace(key, build_plan(conv, input, channels_last, output_sizes)).first;
    plan = found->second;
    conv.last_algorithm = plan->algorithm;
  }

  if (plan->through_libtorch) {
    std::vector<int64_t> dilation{conv.dilation[0] + 1, conv.dilation[1] + 1};
    return at::conv2d(input, conv.weight, conv.bias, conv.stride, conv.padding_left, dilation);
  }
  auto& stream = thread_stream();
  auto make_output = [&] {
    return at::empty(output_sizes, input.options().memory_format(channels_last ? at::MemoryFormat::ChannelsLast
                                                                               : at::MemoryFormat::Contiguous));
  };
  memory user_src(plan->user_src, cpu_engine(), input.data_ptr());

  // Buffers are freed as soon as they are spent, and the output allocated only once the blocked
  // source and the scratchpad are gone: a Winograd layer's transient peak is two blocked maps and
  // its scratchpad, not those plus the output.
  at::Tensor src_buffer, dst_buffer, output;
  memory src = user_src, dst;
  if (plan->src_reorder) {
    src_buffer = buffer_for(plan->src);
    src = memory(plan->src, cpu_engine(), src_buffer.data_ptr());
    plan->src_reorder->execute(stream, user_src, src);
  }
  if (plan->dst_reorder) {
    dst_buffer = buffer_for(plan->dst);
    dst = memory(plan->dst, cpu_engine(), dst_buffer.data_ptr());
  } else {
    output = make_output();
    dst = memory(plan->user_dst, cpu_engine(), output.data_ptr());
  }
  {
    memory weights = plan->transformed_weights;
    at::Tensor stored_weight, weights_buffer, bias, scratchpad_buffer;
    if (!weights) {
      auto [stored, desc] = user_weights(conv.weight);
      stored_weight = stored;
      memory raw(desc, cpu_engine(), stored_weight.data_ptr());
      weights = raw;
      if (plan->weights_reorder) {
        weights_buffer = buffer_for(plan->weights);
        weights = memory(plan->weights, cpu_engine(), weights_buffer.data_ptr());
        plan->weights_reorder->execute(stream, raw, weights);
      }
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (conv.bias) {
      bias = conv.bias->contiguous();
      args.emplace(DNNL_ARG_BIAS,
                   memory(memory::desc({bias.size(0)}, memory::data_type::f32, Tag::x), cpu_engine(), bias.data_ptr()));
    }
    if (plan->scratchpad.get_size() > 0) {
      scratchpad_buffer = buffer_for(plan->scratchpad);
      args.emplace(DNNL_ARG_SCRATCHPAD, memory(plan->scratchpad, cpu_engine(), scratchpad_buffer.data_ptr()));
    }
    plan->primitive.execute(stream, args);
    stream.wait();
    src_buffer.reset();
  }
  if (plan->dst_reorder) {
    output = make_output();
    memory user_dst(plan->user_dst, cpu_engine(), output.data_ptr());
    plan->dst_reorder->execute(stream, dst, user_dst);
    stream.wait();
  }
  return output;
}

}  // namespace

struct CnnOneDnnConvolution {
  Convolution conv;
};

CNN_API int cnn_onednn_available() { return 1; }

CNN_API CnnOneDnnConvolution* cnn_onednn_convolution_new(TensorHandle weight, TensorHandle bias, const int64_t* stride,
                                                         const int64_t* padding, const int64_t* dilation,
                                                         int64_t groups, int64_t winograd_weight_limit) {
  CNN_TRY
  const auto& w = deref(weight);
  TORCH_CHECK(groups == 1, "oneDNN convolutions here take groups=1, got groups=", groups);
  TORCH_CHECK(w.dim() == 4 && w.device().is_cpu() && w.scalar_type() == at::kFloat,
              "a oneDNN convolution needs a 4-D float32 CPU weight, got ", w.dim(), "-D ", w.scalar_type(), " on ",
              w.device());
  auto result = std::make_unique<CnnOneDnnConvolution>();
  auto& conv = result->conv;
  conv.weight = w;
  if (bias != nullptr) {
    TORCH_CHECK(bias->dim() == 1 && bias->size(0) == w.size(0) && bias->scalar_type() == at::kFloat,
                "convolution bias must be float32 [", w.size(0), "], got ", bias->sizes());
    conv.bias = *bias;
  }
  for (int d = 0; d < 2; ++d) {
    TORCH_CHECK(stride[d] >= 1 && padding[d] >= 0 && dilation[d] >= 1, "invalid convolution stride/padding/dilation");
    conv.stride.push_back(stride[d]);
    conv.padding_left.push_back(padding[d]);
    conv.padding_right.push_back(padding[d]);
    conv.dilation.push_back(dilation[d] - 1);
  }
  conv.winograd_weight_limit = winograd_weight_limit;
  return result.release();
  CNN_CATCH(nullptr)
}

CNN_API TensorHandle cnn_onednn_convolution_forward(CnnOneDnnConvolution* handle, TensorHandle input) {
  CNN_TRY
  TORCH_CHECK(handle != nullptr, "null oneDNN convolution handle");
  TORCH_CHECK(!(at::GradMode::is_enabled() && (deref(input).requires_grad() || handle->conv.weight.requires_grad())),
              "oneDNN inference convolutions do not record gradients: call them under no_grad or inference_mode");
  return cnnml::wrap(run(handle->conv, deref(input)));
  CNN_CATCH(nullptr)
}

CNN_API int cnn_onednn_convolution_last_algorithm(CnnOneDnnConvolution* handle) {
  if (handle == nullptr) return -1;
  std::lock_guard<std::mutex> lock(handle->conv.mutex);
  return handle->conv.last_algorithm;
}

CNN_API int64_t cnn_onednn_convolution_cached_bytes(CnnOneDnnConvolution* handle) {
  if (handle == nullptr) return -1;
  std::lock_guard<std::mutex> lock(handle->conv.mutex);
  const auto& weights = handle->conv.winograd_weights;
  return weights ? static_cast<int64_t>(weights.get_desc().get_size()) : 0;
}

CNN_API void cnn_onednn_convolution_free(CnnOneDnnConvolution* handle) { delete handle; }

#else

struct CnnOneDnnConvolution {};

CNN_API int cnn_onednn_available() { return 0; }

CNN_API CnnOneDnnConvolution* cnn_onednn_convolution_new(TensorHandle, TensorHandle, const int64_t*, const int64_t*,
                                                         const int64_t*, int64_t, int64_t) {
  cnnml::set_error("this CnnMl native library was built without oneDNN (install libdnnl-dev and rebuild)");
  return nullptr;
}

CNN_API TensorHandle cnn_onednn_convolution_forward(CnnOneDnnConvolution*, TensorHandle) {
  cnnml::set_error("this CnnMl native library was built without oneDNN");
  return nullptr;
}

CNN_API int cnn_onednn_convolution_last_algorithm(CnnOneDnnConvolution*) { return -1; }
CNN_API int64_t cnn_onednn_convolution_cached_bytes(CnnOneDnnConvolution*) { return -1; }
CNN_API void cnn_onednn_convolution_free(CnnOneDnnConvolution*) {}

#endif
