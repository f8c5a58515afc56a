#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "armada/aegis/actors.hpp"
#include "armada/aegis/errc.hpp"
#include "armada/aegis/member.hpp"
#include "armada/aegis/options.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/serialization/default_codec.hpp"

namespace caf {
class actor_system;
}

namespace armada::aegis {

/// A function other nodes may call: receives the call (caller, encoded argument) and returns
/// the encoded result or an error. Runs in the node actor: it must not block.
using raw_function = std::function<caf::expected<std::string>(const call_request&)>;

/// Options of a registered function.
struct function_options {
  /// Caller names or ids allowed to call; empty: everyone.
  std::vector<std::string> allowed_callers{};
};

/// Options of one remote call.
struct call_options {
  std::chrono::milliseconds timeout{5000};
  /// Non-empty: a repeated call with the same key from this node returns the first result.
  std::string idempotency_key{};
};

/// Receives the messages of one room on this node (in the node actor: must not block).
using room_handler = std::function<void(const room_message&)>;

namespace detail {
struct node_context;
}

/// One mesh node: an actor system with the io middleman, the published node actor, and the
/// calls a service makes. Every member function is thread-safe; none may be called from inside
/// a function, vote predicate or room handler of the same node (they wait for the node actor).
class node {
public:
  /// Starts the actor system and publishes the node actor on `opts.host:opts.port`. Fails with
  /// `errc::config` (naming the option) or `errc::network` (naming the address).
  static caf::expected<std::unique_ptr<node>> start(node_options opts);

  /// `stop()`.
  ~node();

  /// Stops the node: leaves the mesh first when `leave_first` (otherwise the others find out
  /// through failure detection, as after a crash), then stops the actor system. Idempotent;
  /// no other member function may be called afterwards.
  void stop(bool leave_first = true);
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // -- identity and membership -------------------------------------------------

  const std::string& id() const;
  const std::string& name() const;
  /// The port the node actor is published on (the picked one when options said 0).
  std::uint16_t port() const;
  /// "host:port", what other nodes pass to join().
  std::string address() const;

  /// Joins the mesh through any member. Returns the member table on approval;
  /// `errc::join_rejected` with the vote's reason, or `errc::network` when `host:port` cannot
  /// be reached.
  caf::expected<std::vector<member_info>> join(const std::string& host, std::uint16_t port);
  caf::expected<std::vector<member_info>> join(const std::string& address);

  /// Leaves gracefully: every connected member marks this node `left` before the call returns
  /// (or after 1 s). Idempotent.
  caf::error leave();

  /// The node actor's snapshot (`get_state`).
  node_state state() const;

  /// Live members (this node included).
  std::vector<member_info> members() const;

  // -- remote execution --------------------------------------------------------

  /// Registers (or replaces) a function under `name`.
  void register_raw(const std::string& name, raw_function fn, function_options opts = {});

  /// Registers `fn(const Arg&) -> Res` (or `-> caf::expected<Res>`); arguments and results
  /// travel through `serialization::default_codec`.
  template <class Arg, class Res, class F>
  void register_function(const std::string& name, F fn, function_options opts = {}) {
    register_raw(
      name,
      [fn = std::move(fn), name](const call_request& call) -> caf::expected<std::string> {
        serialization::default_codec<Arg> in;
        auto arg = in.decode(call.payload);
        if (!arg)
          return make_error(errc::codec, "function '" + name + "': cannot decode the argument: "
                                           + describe_error(arg.error()));
        caf::expected<Res> res = fn(*arg);
        if (!res)
          return std::move(res.error());
        return serialization::default_codec<Res>{}.encode(*res);
      },
      std::move(opts));
  }

  /// Removes a function; returns whether it existed.
  bool unregister(const std::string& name);

  /// Calls `function` on the member whose id or name is `peer` (this node included) with an
  /// encoded argument. Errors: unknown_function, timeout, remote_exception, unauthorized,
  /// unknown_peer, unreachable, or the function's own error.
  caf::expected<std::string> execute_raw(const std::string& peer, const std::string& function,
                                         std::string payload, call_options opts = {});

  /// Typed `execute_raw`.
  template <class Res, class Arg>
  caf::expected<Res> execute_on(const std::string& peer, const std::string& function,
                                const Arg& arg, call_options opts = {}) {
    return typed_call<Res>(arg, [&](std::string payload) {
      return execute_raw(peer, function, std::move(payload), opts);
    });
  }

  /// Calls `function` on the next live member (round robin, this node included) that declares
  /// `service`. `errc::no_provider` when none does.
  caf::expected<std::string> execute_any_raw(const std::string& service,
                                             const std::string& function, std::string payload,
                                             call_options opts = {});

  /// Typed `execute_any_raw`.
  template <class Res, class Arg>
  caf::expected<Res> execute_any(const std::string& service, const std::string& function,
                                 const Arg& arg, call_options opts = {}) {
    return typed_call<Res>(arg, [&](std::string payload) {
      return execute_any_raw(service, function, std::move(payload), opts);
    });
  }

  // -- rooms ---------------------------------------------------------------------

  /// Creates a room (known mesh-wide) and joins it. Creating an existing room just joins it.
  caf::error create_room(const std::string& room);
  /// Joins an existing room; `errc::unknown_room` when no member created it.
  caf::error join_room(const std::string& room);
  /// Leaves a room; the room stays for its other members.
  caf::error leave_room(const std::string& room);
  /// Sends `payload` to every live member of `room` (this node too, if it is in it). Returns
  /// the number of members it was sent to.
  caf::expected<std::size_t> broadcast(const std::string& room, std::string payload);
  /// Ids of the live members of `room` in this node's view.
  std::vector<std::string> room_members(const std::string& room) const;
  /// Adds a handler for the messages of `room` that reach this node.
  void on_room_message(const std::string& room, room_handler fn);

  // -- plumbing ------------------------------------------------------------------

  /// Where mesh.* and room.message events go.
  capitan::instance& events();
  caf::actor_system& system();
  node_actor actor() const;

private:
  explicit node(std::shared_ptr<detail::node_context> ctx);

  static std::string describe_error(const caf::error& err);

  template <class Res, class Arg, class Call>
  static caf::expected<Res> typed_call(const Arg& arg, Call call) {
    auto payload = serialization::default_codec<Arg>{}.encode(arg);
    if (!payload)
      return make_error(errc::codec, "cannot encode the argument: " + describe_error(payload.error()));
    auto reply = call(std::move(*payload));
    if (!reply)
      return std::move(reply.error());
    auto res = serialization::default_codec<Res>{}.decode(*reply);
    if (!res)
      return make_error(errc::codec, "cannot decode the result: " + describe_error(res.error()));
    return res;
  }

  std::shared_ptr<detail::node_context> ctx_;
};

} // namespace armada::aegis
