#pragma once

// One provider of the chaos program: its broker (a private server of scripts/servers, on free
// 127.0.0.1 ports; none for the embedded provider), a publisher and a consumer service process,
// and the checks of its ledgers and saga store at the end.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "armada/testing/process.hpp"
#include "scripted_server.hpp"

namespace armada::chaos {

/// What one provider's run counted.
struct lane_figures {
  std::string provider;
  std::string skipped;        ///< why the provider did not run (then nothing else counts)
  std::string problem;        ///< what failed; empty when every check passed
  std::size_t published = 0;  ///< ids the broker acknowledged (publisher ledger)
  std::size_t delivered = 0;  ///< distinct ids delivered to the consumer (a publisher killed
                              ///< between the ack and its ledger line adds some not published)
  std::size_t duplicates = 0; ///< deliveries beyond the first of an id
  std::size_t lost = 0;       ///< acknowledged, never delivered
  std::map<std::string, std::size_t> sagas; ///< by state, from the store
  std::size_t non_terminal =
      0; ///< neither completed nor failed (stuck counts: it waits for an operator)
  std::size_t compensations = 0;       ///< compensation effects applied
  std::size_t compensations_twice = 0; ///< idempotency keys applied more than once
  std::size_t retried_effects =
      0; ///< effects a resumed saga found applied (a kill landed mid-step)
  int broker_restarts = 0;
  int service_kills = 0;
  double settle_s = 0; ///< from the end of the chaos until every id was delivered
};

class lane {
public:
  /// `provider`: embedded, redis, jetstream or amqp; `dir`: its scratch directory; `self`: this
  /// program (the services are its subcommands).
  lane(std::string provider, std::string dir, std::string self);
  ~lane();

  /// Starts the broker and the services; false when the provider is skipped or failed (see
  /// figures()).
  bool start();

  bool has_broker() const { return server_ != nullptr; }

  /// SIGKILLs the publisher or the consumer (`consumer`) and starts it again.
  void kill_service(bool consumer);

  /// Restarts the broker (same ports and data; a second attempt when the first failed, and the
  /// services follow it when scripts/servers had to move it to new ports); false when it did
  /// not come back.
  bool restart_broker();

  /// After the chaos: stops publishing, waits until every acknowledged id was delivered,
  /// restarts the consumer to recover its sagas, then reads the store and the ledgers.
  void check();

  const lane_figures& figures() const { return figures_; }

private:
  std::unique_ptr<testing::process> spawn(const std::vector<std::string>& args, bool wait_ready);
  /// SIGKILLs the consumer or the publisher and starts it again on url_ (services_mtx_ held).
  void respawn(bool consumer);
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  /// Prints the end of scripts/servers' log after `what` failed.
  void show_server_log(const std::string& what) const;
  void read_ledgers();
  void read_store();

  std::string dir_;
  std::string self_;
  std::string url_;
  std::string topic_;
  std::unique_ptr<testing_support::scripted_server> server_;
  std::mutex services_mtx_; // the services and url_: the killer thread and the broker thread
  std::unique_ptr<testing::process> publisher_;
  std::unique_ptr<testing::process> consumer_;
  lane_figures figures_;
};

} // namespace armada::chaos
