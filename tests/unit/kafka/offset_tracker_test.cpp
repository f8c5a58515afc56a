// Which offsets the kafka provider may commit: only past offsets whose predecessors are done.

#include <gtest/gtest.h>

#include "offset_tracker.hpp"

using armada::herald::kafka::offset_tracker;

TEST(kafka_offset_tracker, an_ack_out_of_order_commits_nothing_until_every_earlier_offset_is_done) {
  offset_tracker t;
  for (std::int64_t o = 10; o < 14; ++o)
    t.delivered(0, o);
  EXPECT_EQ(t.done(0, 12), std::nullopt); // 10 and 11 are still outstanding
  EXPECT_EQ(t.done(0, 11), std::nullopt); // 10 still is
  EXPECT_EQ(t.done(0, 10), 13);           // 10..12 done: resume at 13
  EXPECT_EQ(t.done(0, 13), 14);
}

TEST(kafka_offset_tracker, a_nacked_offset_holds_the_commit_back_until_its_redelivery_is_acked) {
  offset_tracker t;
  t.delivered(3, 0);
  t.delivered(3, 1);
  t.delivered(3, 2);
  EXPECT_EQ(t.done(3, 0), 1);
  // 1 was nacked: it stays outstanding, so acking 2 must not commit past it.
  EXPECT_TRUE(t.outstanding(3, 1));
  EXPECT_EQ(t.done(3, 2), std::nullopt);
  EXPECT_EQ(t.done(3, 1), 3);
  EXPECT_FALSE(t.outstanding(3, 1));
}

TEST(kafka_offset_tracker, partitions_are_independent_and_a_revoked_one_is_forgotten) {
  offset_tracker t;
  t.delivered(0, 5);
  t.delivered(1, 7);
  EXPECT_EQ(t.done(1, 7), 8);
  t.forget(0);
  EXPECT_EQ(t.done(0, 5), std::nullopt); // revoked: its next owner resumes at the committed offset
  EXPECT_FALSE(t.outstanding(0, 5));
}

TEST(kafka_offset_tracker, gaps_in_offsets_such_as_transaction_markers_do_not_block_the_commit) {
  offset_tracker t;
  t.delivered(0, 4);
  t.delivered(0, 6); // 5 was a control record, never delivered
  EXPECT_EQ(t.done(0, 4), 6);
  EXPECT_EQ(t.done(0, 6), 7);
}
