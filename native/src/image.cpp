// Image decode and encode through OpenCV, on caller-owned pixel buffers (8-bit, interleaved).
#include "common.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace {
struct DecodedImage {
  cv::Mat pixels;
};

int mat_type(int channels) { return CV_MAKETYPE(CV_8U, channels); }
}  // namespace

// Decodes PNG/JPEG/BMP bytes keeping 1, 3 (BGR) or 4 (BGRA) channels. Returns null on failure.
CNN_API void* cnn_image_decode(const uint8_t* bytes, int64_t length, int* width, int* height, int* channels) {
  CNN_TRY
  if (length <= 0) throw std::invalid_argument("image data is empty");
  cv::Mat buffer(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(bytes));
  cv::Mat decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  if (decoded.empty()) throw std::invalid_argument("image data is not a PNG, JPEG or BMP image OpenCV can decode");
  if (decoded.depth() != CV_8U) decoded.convertTo(decoded, CV_8U, decoded.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
  auto* image = new DecodedImage{decoded.isContinuous() ? decoded : decoded.clone()};
  *width = image->pixels.cols;
  *height = image->pixels.rows;
  *channels = image->pixels.channels();
  return image;
  CNN_CATCH(nullptr)
}

CNN_STATUS_FN(cnn_image_copy_pixels, (void* image, uint8_t* destination, int64_t length), {
  auto& mat = static_cast<DecodedImage*>(image)->pixels;
  auto needed = static_cast<int64_t>(mat.total() * mat.elemSize());
  if (needed != length) throw std::invalid_argument("pixel buffer has the wrong size");
  std::memcpy(destination, mat.data, static_cast<size_t>(needed));
})

CNN_API void cnn_image_free(void* image) { delete static_cast<DecodedImage*>(image); }

// Encodes interleaved 8-bit pixels (BGR/BGRA/gray) to the format named by extension (".png", ".jpg", ".bmp").
// Returns a buffer the caller frees with cnn_buffer_free.
CNN_API uint8_t* cnn_image_encode(const uint8_t* source, int width, int height, int channels, const char* extension,
                                  int64_t* length) {
  CNN_TRY
  cv::Mat src(height, width, mat_type(channels), const_cast<uint8_t*>(source));
  std::vector<uint8_t> encoded;
  if (!cv::imencode(extension, src, encoded)) throw std::invalid_argument(std::string("cannot encode ") + extension);
  auto* out = static_cast<uint8_t*>(std::malloc(encoded.size()));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, encoded.data(), encoded.size());
  *length = static_cast<int64_t>(encoded.size());
  return out;
  CNN_CATCH(nullptr)
}

CNN_API void cnn_buffer_free(uint8_t* buffer) { std::free(buffer); }
