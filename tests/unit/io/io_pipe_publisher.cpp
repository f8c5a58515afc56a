// Publishes N messages to its stdout with the io provider, then exits:
//   io_pipe_publisher <frames|ndjson> <count>
// Message i: topic "proc.events", key "k<i % 3>", metadata {index, content-type, x-note},
// payload = binary_payload(i) (NULs, 0xff, newlines). Exit code 0 when every publish succeeded.

#include <cstdio>
#include <string>

#include "armada/herald/io.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "pipe_payload.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: io_pipe_publisher <frames|ndjson> <count>\n");
    return 2;
  }
  std::string format = argv[1];
  int count = std::stoi(argv[2]);
  auto rt = armada::runtime::start(std::make_unique<armada::config>());
  auto conn = armada::herald::io::connect(rt->system(), "io://stdout?format=" + format);
  if (!conn) {
    std::fprintf(stderr, "connect: %s\n", armada::describe(conn.error()).c_str());
    return 1;
  }
  for (int i = 0; i < count; ++i) {
    armada::herald::message m;
    m.topic = "proc.events";
    m.key = "k" + std::to_string(i % 3);
    m.metadata["index"] = std::to_string(i);
    m.metadata["content-type"] = "application/octet-stream";
    m.metadata["x-note"] = "line one\nline two";
    m.payload = armada::io_test::binary_payload(i);
    if (auto r = conn->publish(m); !r) {
      std::fprintf(stderr, "publish %d: %s\n", i, armada::describe(r.error()).c_str());
      return 1;
    }
  }
  conn->close();
  return 0;
}
