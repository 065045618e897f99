#include "common.h"

namespace {
thread_local std::string last_error;
}

namespace cnnml {
void set_error(const char* message) { last_error = message == nullptr ? "" : message; }
}  // namespace cnnml

CNN_API const char* cnn_last_error() { return last_error.c_str(); }
