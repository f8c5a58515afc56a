// TLS between nodes: the test PKI comes from scripts/aegis-test-certs (the openssl command).

#include <cstdlib>
#include <filesystem>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/aegis.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "raw_connection.hpp"
#include "tls_identity.hpp" // mesh/src: an impostor signs its claims like a node does

using namespace armada::aegis;
using namespace std::chrono_literals;
using armada::describe;
namespace mt = armada::aegis::testing;

namespace {

class aegis_tls : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aegis-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    auto cmd = std::string{AEGIS_CERT_SCRIPT} + " " + dir + " node-a node-b node-c > /dev/null";
    if (std::system(cmd.c_str()) != 0)
      FAIL() << "scripts/aegis-test-certs failed to make the test PKI (the openssl command comes from scripts/setup)";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  node_options tls_node(const std::string& cert) {
    auto o = mt::fast_options(cert);
    o.tls = tls_options{dir + "/ca.pem", dir + "/" + cert + ".pem", dir + "/" + cert + ".key"};
    return o;
  }

  std::unique_ptr<node> start(node_options o) {
    auto n = node::start(std::move(o));
    if (!n) {
      ADD_FAILURE() << describe(n.error());
      return nullptr;
    }
    return std::move(*n);
  }

  /// Whether a bare CAF actor system holding `cert` (signed by the mesh CA or not) completes
  /// the TLS handshake with the node on `port`.
  bool handshake_succeeds(const std::string& cert, std::uint16_t port) {
    armada::config cfg;
    static_cast<caf::actor_system_config&>(cfg).load<caf::io::middleman>();
    cfg.add_message_types<caf::id_block::armada_aegis>();
    static_cast<caf::actor_system_config&>(cfg).load<caf::openssl::manager>();
    cfg.set("logger.console", caf::atom("none"));
    cfg.openssl_certificate = dir + "/" + cert + ".pem";
    cfg.openssl_key = dir + "/" + cert + ".key";
    cfg.openssl_cafile = dir + "/ca.pem";
    caf::actor_system sys{cfg};
    return static_cast<bool>(caf::openssl::remote_actor<node_actor>(sys, "127.0.0.1", port));
  }

  std::string read(const std::string& file) {
    std::ifstream in{dir + "/" + file};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir;
};

const std::string node_b_id = "/CN=node-b/O=armada-mesh";
const std::string node_c_id = "/CN=node-c/O=armada-mesh";

} // namespace

TEST_F(aegis_tls, nodes_with_mesh_certificates_join_and_call_each_other) {
  auto a = start(tls_node("node-a"));
  auto b = start(tls_node("node-b"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->id(), "/CN=node-a/O=armada-mesh") << "the node id is the certificate subject";
  auto joined = b->join(a->address());
  ASSERT_TRUE(joined) << describe(joined.error());
  a->register_function<int, int>("twice", [](int x) { return 2 * x; });
  auto res = b->execute_on<int>("node-a", "twice", 21);
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(*res, 42);
  EXPECT_TRUE(mt::wait_until([&] { return a->state().connected.size() == 1; }, 5s));
}

TEST_F(aegis_tls, a_node_with_a_certificate_from_another_ca_cannot_join) {
  auto a = start(tls_node("node-a"));
  auto intruder = start(tls_node("foreign"));
  ASSERT_TRUE(a && intruder);
  auto res = intruder->join(a->address());
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::network) << describe(res.error());
  EXPECT_EQ(a->state().members.size(), 1u) << "the intruder never became a member";
}

TEST_F(aegis_tls, a_plain_node_cannot_join_a_tls_mesh) {
  auto a = start(tls_node("node-a"));
  auto plain = start(mt::fast_options("plain"));
  ASSERT_TRUE(a && plain);
  auto res = plain->join(a->address());
  ASSERT_FALSE(res);
  EXPECT_EQ(a->state().members.size(), 1u);
}

TEST_F(aegis_tls, a_missing_certificate_file_is_a_config_error_naming_it) {
  auto o = tls_node("node-a");
  o.tls.key = dir + "/missing.key";
  auto n = node::start(o);
  ASSERT_FALSE(n);
  EXPECT_EQ(code_of(n.error()), errc::config);
  EXPECT_NE(describe(n.error()).find("missing.key"), std::string::npos) << describe(n.error());
}

TEST_F(aegis_tls, a_node_with_an_expired_or_not_yet_valid_certificate_cannot_connect) {
  auto a = start(tls_node("node-a"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(handshake_succeeds("node-b", a->port())) << "a valid mesh certificate connects";
  EXPECT_FALSE(handshake_succeeds("expired", a->port())) << "expired in 2020";
  EXPECT_FALSE(handshake_succeeds("not-yet-valid", a->port())) << "valid from 2099";
  EXPECT_EQ(a->state().members.size(), 1u);
  auto b = start(tls_node("node-b"));
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->join(a->address())) << "the node still serves";
}

TEST_F(aegis_tls, starting_with_an_expired_or_not_yet_valid_certificate_is_a_config_error_naming_it) {
  for (auto [cert, why] : {std::pair{"expired", "expired on"}, {"not-yet-valid", "not valid before"}}) {
    auto n = node::start(tls_node(cert));
    ASSERT_FALSE(n) << cert;
    EXPECT_EQ(code_of(n.error()), errc::config);
    auto text = describe(n.error());
    EXPECT_NE(text.find(std::string{cert} + ".pem"), std::string::npos) << text;
    EXPECT_NE(text.find(why), std::string::npos) << text;
  }
}

TEST_F(aegis_tls, an_id_other_than_the_certificate_subject_is_a_config_error) {
  auto o = tls_node("node-b");
  o.id = node_c_id;
  auto n = node::start(o);
  ASSERT_FALSE(n);
  EXPECT_EQ(code_of(n.error()), errc::config);
  EXPECT_NE(describe(n.error()).find("certificate subject"), std::string::npos) << describe(n.error());
}

namespace {

/// An impostor: a process holding node-b's (valid) certificate and key that talks to the node
/// actor of `port` directly, claiming whatever id it likes.
struct impostor {
  impostor(caf::actor_system& sys, std::uint16_t port, const tls_options& own)
      : self(sys), identity(*detail::tls_identity::load(own)) {
    auto proxy = caf::openssl::remote_actor<node_actor>(sys, "127.0.0.1", port);
    if (proxy)
      target = *proxy;
  }
  std::string sign() const { return identity->prove(to_string(target.node())); }
  node_state state() {
    node_state st;
    self->request(target, std::chrono::seconds{5}, get_state_atom::value)
      .receive([&](node_state& x) { st = std::move(x); }, [](caf::error&) {});
    return st;
  }
  caf::scoped_actor self;
  std::shared_ptr<const detail::tls_identity> identity;
  node_actor target;
};

bool has_peer(const node_state& st, const std::string& id) {
  return std::any_of(st.peers.begin(), st.peers.end(), [&](auto& p) { return p.id == id; });
}

/// node-a, and an impostor in node-b's process (with node-b's certificate) facing node-a.
class aegis_tls_impostor : public aegis_tls {
protected:
  void SetUp() override {
    aegis_tls::SetUp();
    a = start(tls_node("node-a"));
    b = start(tls_node("node-b"));
    ASSERT_TRUE(a && b);
    x = std::make_unique<impostor>(b->system(), a->port(), tls_node("node-b").tls);
    ASSERT_TRUE(x->target);
  }
  void TearDown() override {
    x.reset(); // its actor lives in b's system
    b.reset();
    a.reset();
    aegis_tls::TearDown();
  }
  std::unique_ptr<node> a;
  std::unique_ptr<node> b;
  std::unique_ptr<impostor> x;
};

} // namespace

TEST_F(aegis_tls_impostor, a_join_claiming_another_certificates_id_is_rejected) {
  member_info claim;
  claim.id = node_c_id;
  claim.name = "node-c";
  claim.host = "127.0.0.1";
  claim.port = b->port();
  struct attempt {
    std::string what, certificate, signature;
  };
  for (auto& t : {attempt{"its own certificate", read("node-b.pem"), x->sign()},
                  attempt{"a copy of node-c's certificate", read("node-c.pem"), x->sign()},
                  attempt{"no certificate", "", ""}}) {
    join_result r;
    x->self->request(x->target, std::chrono::seconds{5}, join_atom::value, claim, t.certificate, t.signature)
      .receive([&](join_result& res) { r = std::move(res); },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    EXPECT_FALSE(r.approved) << t.what;
    EXPECT_NE(r.reason.find("certificate"), std::string::npos) << r.reason;
  }
  auto st = a->state();
  EXPECT_EQ(st.members.size(), 1u) << "node-c never became a member";
  EXPECT_FALSE(has_peer(st, node_c_id));
}

TEST_F(aegis_tls_impostor, a_hello_claiming_another_certificates_id_is_ignored) {
  x->self->send(x->target, hello_atom::value, node_c_id, read("node-b.pem"), x->sign());
  x->self->send(x->target, hello_atom::value, node_c_id, read("node-c.pem"), x->sign());
  EXPECT_FALSE(has_peer(x->state(), node_c_id)) << "the impostor is not node-c's proxy";
  // The same process saying who it really is gets adopted: the check, not the path, refused.
  x->self->send(x->target, hello_atom::value, node_b_id, read("node-b.pem"), x->sign());
  EXPECT_TRUE(has_peer(x->state(), node_b_id));
}

TEST_F(aegis_tls, garbage_oversized_records_and_half_handshakes_on_a_tls_port_close_and_the_node_keeps_serving) {
  auto a = start(tls_node("node-a"));
  auto b = start(tls_node("node-b"));
  ASSERT_TRUE(a && b);
  a->register_function<int, int>("twice", [](int x) { return 2 * x; });
  mt::raw_connection loris{a->port()};
  ASSERT_GE(loris.fd, 0);
  loris.send(mt::huge_tls_record().substr(0, 3)); // a third of a record header, then silence
  for (auto& [what, bytes] : {std::pair{"garbage", mt::garbage(64 * 1024)},
                              {"a TLS record of 64 KiB", mt::huge_tls_record() + std::string(1024, 'x')},
                              {"a BASP header announcing 4 GiB", mt::huge_basp_header()}}) {
    mt::raw_connection raw{a->port()};
    ASSERT_GE(raw.fd, 0);
    raw.send(bytes);
    EXPECT_TRUE(raw.closed_by_node()) << what;
  }
  auto joined = b->join(a->address());
  ASSERT_TRUE(joined) << describe(joined.error());
  auto res = b->execute_on<int>("node-a", "twice", 21);
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(*res, 42);
}
