#pragma once

#include <string>

namespace armada::apps {

struct order_demo_options {
  int orders = 10;
  std::string fail_at;   ///< a step name: every order fails there and is compensated
  std::string provider = "embedded"; ///< "embedded" or a full provider URL
  bool quiet = false;
  bool hold = false;     ///< keep the services up after the outcome (for `armada inspect`) until SIGINT/SIGTERM
  std::string self_path; ///< this executable, to start the fulfilment service
};

/// `armada demo`: the orders service here, the fulfilment service in a child process, herald
/// between them. Returns the exit code: 0 when every order ended as asked.
int run_order_demo(const order_demo_options& opts);

/// `armada demo-fulfilment`: the child process of the demo.
int run_fulfilment_service(const std::string& url, const std::string& sagas_path, const std::string& mesh_entry,
                           const std::string& fail_at, int orders, bool quiet, bool hold = false);

/// `armada demo-inventory`: the third mesh node of the demo (serves the function "reserve").
int run_inventory_service(const std::string& mesh_entry, bool quiet);

} // namespace armada::apps
