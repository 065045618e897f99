// The image exports of a native library built without OpenCV (for example on a GPU machine whose
// PyTorch brings no OpenCV headers): tensors, training and scoring work; decoding and encoding
// images here fail with this message.
#include "common.h"

namespace {
const char* const kNoOpenCv =
    "this CnnMl native library was built without OpenCV, so images cannot be decoded or encoded; "
    "rebuild it where OpenCV's core, imgproc and imgcodecs headers are installed";
}  // namespace

CNN_API void* cnn_image_decode(const uint8_t*, int64_t, int*, int*, int*) {
  cnnml::set_error(kNoOpenCv);
  return nullptr;
}
CNN_API int cnn_image_copy_pixels(void*, uint8_t*, int64_t) {
  cnnml::set_error(kNoOpenCv);
  return -1;
}
CNN_API void cnn_image_free(void*) {}
CNN_API uint8_t* cnn_image_encode(const uint8_t*, int, int, int, const char*, int64_t*) {
  cnnml::set_error(kNoOpenCv);
  return nullptr;
}
CNN_API void cnn_buffer_free(uint8_t*) {}
