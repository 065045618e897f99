#include "common.h"

#include <c10/util/Logging.h>

namespace {
thread_local std::string last_error;

// libtorch captures and symbolizes a C++ backtrace in every c10::Error it constructs (seconds for
// the first one, ~15 ms each after). The shim only ever reports what_without_backtrace(), so the
// fetcher is replaced once, when the library loads, by one that returns nothing.
const bool no_backtraces = [] {
  c10::SetStackTraceFetcher([] { return std::string(); });
  return true;
}();
}  // namespace

namespace cnnml {
void set_error(const char* message) { last_error = message == nullptr ? "" : message; }
}  // namespace cnnml

CNN_API const char* cnn_last_error() { return last_error.c_str(); }
