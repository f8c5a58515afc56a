#include "frame_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "armada/aegis/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::aegis::detail {

std::string frame_parser::feed(const char* data, std::size_t size) {
  constexpr unsigned char last_operation = 0x06; // heartbeat
  while (size > 0) {
    if (payload_left_ > 0) {
      auto k = std::min<std::uint64_t>(size, payload_left_);
      payload_left_ -= k;
      data += k;
      size -= k;
      continue;
    }
    auto k = std::min(size, sizeof header_ - header_have_);
    std::memcpy(header_ + header_have_, data, k);
    header_have_ += k;
    data += k;
    size -= k;
    if (header_have_ < sizeof header_)
      break;
    header_have_ = 0;
    ++frames_;
    if (header_[0] > last_operation)
      return "not a BASP frame (operation " + std::to_string(header_[0]) + ")";
    std::uint64_t len = (std::uint64_t{header_[4]} << 24) | (std::uint64_t{header_[5]} << 16)
                        | (std::uint64_t{header_[6]} << 8) | std::uint64_t{header_[7]};
    if (len > max_frame_)
      return "a frame of " + std::to_string(len) + " bytes exceeds the limit of "
             + std::to_string(max_frame_);
    payload_left_ = len;
  }
  return {};
}

namespace {

using open_atom = caf::atom_constant<caf::atom("open")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;

struct link {
  caf::io::connection_handle partner;
  bool inbound = false; ///< the connection from the remote node (its frames are checked)
  frame_parser parser;
};

/// Turns Nagle's algorithm off for a relayed connection (small BASP frames would wait for the
/// peer's delayed ACK). The default multiplexer's connection handle is the socket; checked
/// against the port CAF reports before touching it.
void no_delay(caf::io::broker* self, caf::io::connection_handle hdl) {
  auto fd = static_cast<int>(hdl.id());
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.ss_family != AF_INET)
    return;
  if (ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port) != self->remote_port(hdl))
    return;
  (void) caf::io::network::tcp_nodelay(static_cast<caf::io::network::native_socket>(fd), true);
}

/// Bytes a relayed connection reads at once. Each relayed peer holds two such buffers (inbound
/// and the hop to CAF's port), so this bounds the guard's per-peer memory; a larger frame simply
/// takes several reads.
constexpr std::size_t relay_chunk = 8 * 1024;

caf::behavior guard_fn(caf::io::broker* self, std::uint16_t basp_port, std::size_t max_frame,
                       caf::timespan first_frame) {
  auto links = std::make_shared<std::map<caf::io::connection_handle, link>>();
  auto drop = [self, links](caf::io::connection_handle hdl) {
    auto i = links->find(hdl);
    if (i == links->end())
      return;
    auto partner = i->second.partner;
    links->erase(i);
    links->erase(partner);
    self->close(hdl);
    self->close(partner);
  };
  return {
    [self](open_atom, std::string& host, std::uint16_t port) -> caf::result<std::uint16_t> {
      auto res = self->add_tcp_doorman(port, host.c_str());
      if (!res)
        return std::move(res.error());
      return res->second;
    },
    [self, links, basp_port, max_frame, first_frame](const caf::io::new_connection_msg& msg) {
      auto up = self->add_tcp_scribe("127.0.0.1", basp_port);
      if (!up) {
        self->close(msg.handle);
        return;
      }
      links->emplace(msg.handle, link{*up, true, frame_parser{max_frame}});
      links->emplace(*up, link{msg.handle, false, frame_parser{}});
      for (auto h : {msg.handle, *up}) {
        no_delay(self, h);
        self->configure_read(h, caf::io::receive_policy::at_most(relay_chunk));
      }
      // Anonymous: a pending check sent by the broker to itself would hold the broker (its
      // sender) alive past shutdown, a cycle LeakSanitizer reports.
      caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), first_frame, idle_atom::value, msg.handle);
    },
    [links, drop](idle_atom, caf::io::connection_handle hdl) {
      auto i = links->find(hdl);
      if (i != links->end() && i->second.inbound && i->second.parser.frames() == 0)
        drop(hdl); // a half handshake, then silence: the connection would be held forever
    },
    [self, links, drop](caf::io::new_data_msg& msg) {
      auto i = links->find(msg.handle);
      if (i == links->end())
        return;
      if (i->second.inbound) {
        auto problem = i->second.parser.feed(msg.buf.data(), msg.buf.size());
        if (!problem.empty()) {
          drop(msg.handle); // the node keeps serving everyone else
          return;
        }
      }
      auto partner = i->second.partner;
      self->write(partner, msg.buf.size(), msg.buf.data());
      self->flush(partner);
    },
    [drop](const caf::io::connection_closed_msg& msg) { drop(msg.handle); },
    [](const caf::io::acceptor_closed_msg&) {},
  };
}

} // namespace

caf::expected<std::pair<caf::actor, std::uint16_t>>
spawn_frame_guard(caf::actor_system& sys, const std::string& host, std::uint16_t port,
                  std::uint16_t basp_port, std::size_t max_frame, caf::timespan first_frame) {
  auto guard = sys.middleman().spawn_broker(guard_fn, basp_port, max_frame, first_frame);
  caf::expected<std::pair<caf::actor, std::uint16_t>> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(guard, std::chrono::seconds{5}, open_atom::value, host, port)
    .receive([&](std::uint16_t p) { result = std::make_pair(guard, p); },
             [&](caf::error& err) {
               self->send_exit(guard, caf::exit_reason::user_shutdown);
               result = std::move(err);
             });
  return result;
}

} // namespace armada::aegis::detail
