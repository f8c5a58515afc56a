// Bad URLs, bad properties and bad files: each is an error that names the problem and the fix.

#include <fstream>

#include <lmdb.h>

#include <gtest/gtest.h>

#include "armada/herald/embedded.hpp"
#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "scratch_dir.hpp"

using namespace armada;
using armada::testing_embedded::scratch_dir;

namespace {

std::string error_of(std::string_view url) {
  auto drv = herald::embedded::make_driver(url);
  if (drv)
    return "(no error)";
  EXPECT_EQ(herald::code_of(drv.error()), herald::errc::config) << describe(drv.error());
  return describe(drv.error());
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(embedded_url, an_unknown_property_is_an_error_that_names_it_and_lists_the_known_ones) {
  scratch_dir dir;
  auto err = error_of(dir.url("herald.mdb", "lease=100&fsyncc=always"));
  EXPECT_TRUE(contains(err, "'fsyncc'")) << err;
  EXPECT_TRUE(contains(err, "map-size")) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "herald.mdb")); // validated before opening
}

TEST(embedded_url, a_bad_property_value_names_the_property) {
  scratch_dir dir;
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "fsync=sometimes")), "'fsync'"));
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "map-size=lots")), "'map-size'"));
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "map-size=100")), "'map-size'"));
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "lease=0")), "'lease'"));
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "poll=-5")), "'poll'"));
  EXPECT_TRUE(contains(error_of(dir.url("a.mdb", "retention=-1")), "'retention'"));
}

TEST(embedded_url, a_wrong_scheme_or_a_missing_path_is_an_error_showing_the_expected_form) {
  auto err = error_of("memory:///tmp/x.mdb");
  EXPECT_TRUE(contains(err, "embedded:///")) << err;
  err = error_of("embedded://");
  EXPECT_TRUE(contains(err, "names no file")) << err;
}

TEST(embedded_url, every_documented_property_is_accepted) {
  scratch_dir dir;
  std::string query;
  for (auto& p : herald::embedded::property_specs())
    query += (query.empty() ? "" : "&") + p.name + "=" + p.default_value;
  auto drv = herald::embedded::make_driver(dir.url("all.mdb", query));
  ASSERT_TRUE(drv) << describe(drv.error());
  EXPECT_EQ((*drv)->provider(), "embedded");
}

TEST(embedded_file, a_path_in_a_missing_directory_names_the_directory) {
  scratch_dir dir;
  auto missing = dir.path() / "no" / "such";
  auto err = error_of("embedded://" + (missing / "herald.mdb").string());
  EXPECT_TRUE(contains(err, missing.string())) << err;
  EXPECT_TRUE(contains(err, "does not exist")) << err;
}

TEST(embedded_file, a_directory_instead_of_a_file_is_refused_with_an_example) {
  scratch_dir dir;
  auto err = error_of("embedded://" + dir.path().string());
  EXPECT_TRUE(contains(err, "is a directory")) << err;
}

TEST(embedded_file, a_file_that_is_not_an_lmdb_file_is_refused_and_left_alone) {
  scratch_dir dir;
  auto file = dir.path() / "notes.txt";
  std::string text(20000, 'x');
  std::ofstream{file} << text;
  auto err = error_of("embedded://" + file.string());
  EXPECT_TRUE(contains(err, "not an LMDB file")) << err;
  std::ifstream in{file};
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back, text);
}

TEST(embedded_file, an_lmdb_file_of_another_application_is_refused) {
  scratch_dir dir;
  auto file = dir.path() / "other.mdb";
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_open(env, file.c_str(), MDB_NOSUBDIR, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  std::string k = "user:42", v = "someone else's data";
  MDB_val key{k.size(), k.data()}, val{v.size(), v.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &key, &val, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  auto err = error_of("embedded://" + file.string());
  EXPECT_TRUE(contains(err, "another application")) << err;
  EXPECT_TRUE(contains(err, "user:42")) << err;
}

TEST(embedded_file, a_full_map_names_map_size_and_the_fix) {
  scratch_dir dir;
  auto drv = herald::embedded::make_driver(dir.url("small.mdb", "map-size=262144"));
  ASSERT_TRUE(drv) << describe(drv.error());
  herald::message m;
  m.topic = "big";
  m.payload = std::string(1 << 20, 'x');
  auto r = (*drv)->publish(m);
  ASSERT_FALSE(r);
  auto text = describe(r.error());
  EXPECT_TRUE(contains(text, "map-size")) << text;
  EXPECT_TRUE(contains(text, "?map-size=524288")) << text;
  m.payload = "small enough";
  auto again = (*drv)->publish(m); // the failed transaction left nothing behind
  EXPECT_TRUE(again) << describe(again.error());
}

TEST(embedded_file, two_connections_in_one_process_must_agree_on_fsync) {
  scratch_dir dir;
  auto a = herald::embedded::make_driver(dir.url("f.mdb", "fsync=never"));
  ASSERT_TRUE(a) << describe(a.error());
  auto err = error_of(dir.url("f.mdb", "fsync=always"));
  EXPECT_TRUE(contains(err, "fsync=never")) << err;
  auto b = herald::embedded::make_driver(dir.url("f.mdb", "fsync=never"));
  EXPECT_TRUE(b) << describe(b.error());
}
