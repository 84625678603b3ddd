// DeadlineStream's read buffer: httplib reads header lines a byte at a time,
// and each of those must not cost a recv(); the request deadline still holds
// whenever the socket is read. Its write buffer: a response's head and body
// leave in one send(), and nothing held back is left unsent when the stream
// reads or waits to read.
#include "edge/deadline_stream.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace scim::edge {
namespace {

constexpr char kGet[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";

class DeadlineStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    server_ = fds[0];
    client_ = fds[1];
    fcntl(server_, F_SETFL, fcntl(server_, F_GETFL) | O_NONBLOCK);
  }
  void TearDown() override {
    close(server_);
    if (client_ >= 0) close(client_);
  }

  void Send(const std::string& data) {
    ASSERT_EQ(send(client_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

  // What httplib does for the request line and headers: byte by byte up to
  // the blank line.
  static std::string ReadHead(DeadlineStream& stream) {
    std::string head;
    char c;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
      if (stream.read(&c, 1) != 1) break;
      head.push_back(c);
    }
    return head;
  }

  DeadlineStream Stream(Clock* clock) {
    return DeadlineStream(server_, nullptr, clock, [] { return false; },
                          absl::Seconds(5));
  }

  // What the client has received so far, without waiting.
  std::string Received() {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(client_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

  int server_ = -1;
  int client_ = -1;
};

TEST_F(DeadlineStreamTest, AResponsesHeadAndBodyLeaveInOneSend) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  ASSERT_EQ(stream.write(head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(stream.write("{}", 2), 2);
  EXPECT_EQ(stream.socket_writes(), 0);
  EXPECT_EQ(Received(), "");
  ASSERT_TRUE(stream.Flush());
  EXPECT_EQ(stream.socket_writes(), 1);
  EXPECT_EQ(Received(), head + "{}");
  // Nothing held: a flush sends nothing.
  ASSERT_TRUE(stream.Flush());
  EXPECT_EQ(stream.socket_writes(), 1);
}

TEST_F(DeadlineStreamTest, WhatIsHeldLeavesBeforeTheStreamReadsOrWaitsToRead) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  ASSERT_EQ(stream.write(interim.data(), interim.size()),
            static_cast<ssize_t>(interim.size()));
  Send("x");
  EXPECT_TRUE(stream.is_readable());
  EXPECT_EQ(Received(), interim);
  ASSERT_EQ(stream.write(interim.data(), interim.size()),
            static_cast<ssize_t>(interim.size()));
  char c;
  ASSERT_EQ(stream.read(&c, 1), 1);
  EXPECT_EQ(Received(), interim);
  ASSERT_EQ(stream.write("y", 1), 1);
  EXPECT_FALSE(stream.AwaitRequest(absl::ZeroDuration()));
  EXPECT_EQ(Received(), "y");
}

TEST_F(DeadlineStreamTest, ALargeWriteLeavesAtOnceAfterWhatWasHeldInOrder) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  std::string body(2 * DeadlineStream::kWriteHoldBytes, 'b');
  ASSERT_EQ(stream.write(head.data(), head.size()), static_cast<ssize_t>(head.size()));
  std::string got;
  size_t written = 0;
  while (written < body.size()) {
    const ssize_t n = stream.write(body.data() + written, body.size() - written);
    ASSERT_GT(n, 0);
    written += static_cast<size_t>(n);
    got += Received();  // the socket buffer is smaller than the body
  }
  ASSERT_TRUE(stream.Flush());
  got += Received();
  EXPECT_EQ(got, head + body);
}

TEST_F(DeadlineStreamTest, AFlushToAPeerThatIsGoneFails) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  close(client_);
  client_ = -1;
  ASSERT_EQ(stream.write("z", 1), 1);
  EXPECT_FALSE(stream.Flush());
}

TEST_F(DeadlineStreamTest, AHeadReadByteByByteCostsOneSocketRead) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  Send(kGet);
  EXPECT_EQ(ReadHead(stream), kGet);
  EXPECT_EQ(stream.socket_reads(), 1);  // unbuffered: one per byte
}

TEST_F(DeadlineStreamTest, APipelinedRequestIsReadyWithoutWaiting) {
  DeadlineStream stream = Stream(Clock::Real());
  stream.set_read_deadline(absl::Now() + absl::Seconds(10));
  Send(std::string(kGet) + kGet);
  EXPECT_EQ(ReadHead(stream), kGet);
  // The second request is in our buffer, not in the socket: poll() would
  // not see it, and the connection would idle until the keep-alive timeout.
  EXPECT_TRUE(stream.AwaitRequest(absl::ZeroDuration()));
  EXPECT_TRUE(stream.is_readable());
  EXPECT_EQ(ReadHead(stream), kGet);
  EXPECT_EQ(stream.socket_reads(), 1);
  // Nothing left anywhere: waiting for a request times out.
  EXPECT_FALSE(stream.AwaitRequest(absl::Milliseconds(20)));
}

TEST_F(DeadlineStreamTest, TheDeadlineHoldsWheneverTheSocketIsRead) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  Send("abc");
  char c;
  ASSERT_EQ(stream.read(&c, 1), 1);
  clock.Advance(absl::Seconds(11));
  // Bytes received in time are served...
  char rest[2];
  ASSERT_EQ(stream.read(rest, sizeof(rest)), 2);
  EXPECT_EQ(std::string(rest, 2), "bc");
  EXPECT_FALSE(stream.expired());
  // ...but the socket is not read past the deadline, data waiting or not.
  Send("d");
  EXPECT_EQ(stream.read(&c, 1), -1);
  EXPECT_TRUE(stream.expired());
  // The next request's deadline starts afresh.
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  ASSERT_EQ(stream.read(&c, 1), 1);
  EXPECT_EQ(c, 'd');
}

TEST_F(DeadlineStreamTest, LargeReadsGetTheBufferedRestThenTheSocketDirectly) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  std::string body;
  for (size_t i = 0; i < 3 * DeadlineStream::kReadBufferSize; ++i) {
    body.push_back(static_cast<char>('a' + i % 26));
  }
  Send(body);
  std::string got(1, '\0');
  ASSERT_EQ(stream.read(got.data(), 1), 1);
  std::string chunk(2 * DeadlineStream::kReadBufferSize, '\0');
  // First what the buffer holds, without touching the socket.
  ssize_t n = stream.read(chunk.data(), chunk.size());
  EXPECT_EQ(n, static_cast<ssize_t>(DeadlineStream::kReadBufferSize - 1));
  EXPECT_EQ(stream.socket_reads(), 1);
  got.append(chunk.data(), n);
  while (got.size() < body.size()) {
    n = stream.read(chunk.data(), chunk.size());
    ASSERT_GT(n, 0);
    got.append(chunk.data(), n);
  }
  EXPECT_EQ(got, body);
}

TEST_F(DeadlineStreamTest, APeerThatClosesReadsAsEndOfStream) {
  FakeClock clock;
  DeadlineStream stream = Stream(&clock);
  stream.set_read_deadline(clock.Now() + absl::Seconds(10));
  Send("x");
  close(client_);
  client_ = -1;
  char c;
  ASSERT_EQ(stream.read(&c, 1), 1);
  EXPECT_EQ(stream.read(&c, 1), 0);
}

}  // namespace
}  // namespace scim::edge
