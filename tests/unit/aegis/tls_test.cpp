// TLS between nodes: the test PKI comes from scripts/aegis-test-certs (the openssl command).

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "armada/aegis.hpp"
#include "armada/runtime/error.hpp"

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
    auto cmd = std::string{AEGIS_CERT_SCRIPT} + " " + dir + " node-a node-b > /dev/null";
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

  std::string dir;
};

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
