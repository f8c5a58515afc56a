// Fuzzes how the Google REST providers (pubsub, firestore) read an HTTP answer
// (http::detail::json_answer): any status, any body. A first byte of 0 is
// status 200, n is 300 + n.
#include <cstddef>
#include <cstdint>

#include "armada/herald/json_call.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1)
    return 0;
  armada::herald::http::response res;
  res.status = data[0] == 0 ? 200 : 300 + data[0];
  res.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void) armada::herald::http::detail::json_answer(res, "fuzz provider: POST /v1/x at 127.0.0.1:1");
  return 0;
}
