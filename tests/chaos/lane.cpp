#include "lane.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "armada/ago.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/wait.hpp"
#include "ledger.hpp"

namespace armada::chaos {

using namespace std::chrono_literals;

namespace {

/// The scripts/servers name of a provider's server ("" for embedded).
std::string server_of(const std::string& provider) {
  if (provider == "jetstream")
    return "nats";
  return provider == "embedded" ? "" : provider;
}

bool on_path(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

/// Why the server of `provider` cannot run here, or "".
std::string missing_server(const std::string& provider) {
  if (provider == "redis" && !on_path("redis-server"))
    return "redis-server is not installed (run scripts/setup)";
  if (provider == "jetstream" && !on_path("nats-server") &&
      !std::filesystem::exists("/usr/sbin/nats-server"))
    return "nats-server is not installed (run scripts/setup)";
  if (provider == "amqp" && !std::filesystem::exists("/usr/lib/rabbitmq/bin/rabbitmq-server"))
    return "rabbitmq-server is not installed (run scripts/setup)";
  return {};
}

/// The provider URL of the chaos run: short timeouts, and redelivery of what a killed consumer
/// held within seconds (not the providers' default 30 s).
std::string url_of(const std::string& provider, const std::string& dir,
                   const testing_support::scripted_server* server) {
  if (provider == "embedded")
    return "embedded://" + dir + "/bus.mdb?lease=3000";
  if (provider == "redis")
    return server->get("REDIS_URL") + "?claim-idle=3000&connect-timeout=1000&command-timeout=3000";
  if (provider == "jetstream") {
    auto nats = server->get("NATS_URL");
    return "jetstream" + nats.substr(nats.find("://")) +
           "?max-reconnect=-1&reconnect-wait=100&timeout=3000&ack-wait=10000";
  }
  return server->get("AMQP_URL") + "?connect-timeout=2000&timeout=5000&default-group=chaos";
}

/// The distinct lines of a ledger file.
std::set<std::string> ledger_set(const std::string& path) {
  auto lines = testing_support::read_ledger(path);
  return {std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end())};
}

} // namespace

lane::lane(std::string provider, std::string dir, std::string self)
  : dir_(std::move(dir))
  , self_(std::move(self))
  , topic_("chaos-" + provider) {
  figures_.provider = std::move(provider);
  std::filesystem::create_directories(dir_);
}

lane::~lane() = default;

std::unique_ptr<testing::process> lane::spawn(const std::vector<std::string>& args,
                                              bool wait_ready) {
  std::vector<std::string> argv{self_};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = std::make_unique<testing::process>(argv);
  if (wait_ready && !p->wait_for_line("ready", 120s))
    figures_.problem =
        args.front() + " service of " + figures_.provider + " was not ready within 120 s";
  return p;
}

bool lane::start() {
  auto name = server_of(figures_.provider);
  if (!name.empty()) {
    figures_.skipped = missing_server(figures_.provider);
    if (!figures_.skipped.empty())
      return false;
    server_ = std::make_unique<testing_support::scripted_server>(name);
    if (!server_->up()) {
      show_server_log("up " + name);
      figures_.problem = "scripts/servers up " + name + " failed (its log is above)";
      return false;
    }
  }
  url_ = url_of(figures_.provider, dir_, server_.get());
  consumer_ = spawn({"consume", url_, topic_, dir_}, true);
  publisher_ = spawn({"publish", url_, topic_, path("published"), figures_.provider, "20"}, true);
  return figures_.problem.empty();
}

void lane::kill_service(bool consumer) {
  std::lock_guard guard{services_mtx_};
  ++figures_.service_kills;
  respawn(consumer);
}

void lane::respawn(bool consumer) {
  auto& p = consumer ? consumer_ : publisher_;
  p->kill(SIGKILL);
  if (consumer)
    p = spawn({"consume", url_, topic_, dir_}, false);
  else
    p = spawn({"publish", url_, topic_, path("published"), figures_.provider, "20"}, false);
}

void lane::show_server_log(const std::string& what) const {
  // The script's log goes with its scratch directory: its end goes to stderr.
  auto log = testing_support::read_ledger(server_->log().string());
  std::fprintf(stderr, "armada_chaos: scripts/servers %s failed; its log ends:\n", what.c_str());
  for (auto i = log.size() > 12 ? log.size() - 12 : 0; i < log.size(); ++i)
    std::fprintf(stderr, "  %s\n", log[i].c_str());
}

bool lane::restart_broker() {
  auto name = server_of(figures_.provider);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    if (server_->restart()) {
      ++figures_.broker_restarts;
      // scripts/servers may have moved a server that failed to start to new ports.
      std::lock_guard guard{services_mtx_};
      if (auto url = url_of(figures_.provider, dir_, server_.get()); url != url_) {
        url_ = url;
        respawn(false);
        respawn(true);
      }
      return true;
    }
    show_server_log("restart " + name + " (attempt " + std::to_string(attempt) + " of 2)");
  }
  figures_.problem = "scripts/servers restart " + name + " failed twice (its log is above)";
  return false;
}

void lane::check() {
  publisher_->kill(SIGKILL); // what it logged was acknowledged; the rest does not count
  if (consumer_->exited()) {
    figures_.problem =
        "the " + figures_.provider + " consumer exited by itself (see its errors above)";
    consumer_ = spawn({"consume", url_, topic_, dir_}, false);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto published = ledger_set(path("published"));
  auto all_delivered = [&] {
    auto delivered = ledger_set(path("delivered"));
    return std::includes(delivered.begin(), delivered.end(), published.begin(), published.end());
  };
  if (!testing::wait_until(all_delivered, 180s) && figures_.problem.empty())
    figures_.problem = "acknowledged messages were not delivered within 180 s after the chaos";
  figures_.settle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A consumer killed now leaves sagas mid-way: a new process must recover each to its end.
  consumer_->kill(SIGKILL);
  auto recovery = spawn({"recover", dir_}, false);
  if (!recovery->wait_for_line("recovered ", 180s) || recovery->wait_exit() != 0)
    if (figures_.problem.empty())
      figures_.problem =
          "the recovering " + figures_.provider + " service did not finish its sagas within 180 s";
  read_ledgers();
  read_store();
}

void lane::read_ledgers() {
  auto published = ledger_set(path("published"));
  std::map<std::string, std::size_t> delivered;
  for (auto& id : testing_support::read_ledger(path("delivered")))
    ++delivered[id];
  figures_.published = published.size();
  figures_.delivered = delivered.size();
  for (const auto& [id, n] : delivered)
    figures_.duplicates += n - 1;
  for (const auto& id : published)
    figures_.lost += delivered.contains(id) ? 0 : 1;
  figures_.retried_effects = testing_support::read_ledger(path("retried")).size();
  std::map<std::string, std::size_t> effects;
  for (auto& key : testing_support::read_ledger(path("effects")))
    if (key.find(":compensate:") != std::string::npos)
      ++effects[key];
  for (const auto& [key, n] : effects) {
    figures_.compensations += n;
    figures_.compensations_twice += n > 1 ? 1 : 0;
  }
}

void lane::read_store() {
  auto store = ago::make_embedded_store({.path = path("sagas.mdb"), .fsync = false});
  if (!store) {
    figures_.problem = "cannot open the saga store: " + describe(store.error());
    return;
  }
  auto all = (*store)->list();
  if (!all) {
    figures_.problem = "cannot list the sagas: " + describe(all.error());
    return;
  }
  for (const auto& r : *all) {
    ++figures_.sagas[std::string{to_string(r.state)}];
    figures_.non_terminal += ago::is_terminal(r.state) && r.state != ago::saga_state::stuck ? 0 : 1;
  }
}

} // namespace armada::chaos
