// The login / mail rate limiter (secu/identity/throttle.hpp).
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "secu/identity/throttle.hpp"

using secu::identity::RateLimiter;

TEST_CASE("a key is blocked after max attempts in the window, until the oldest leaves it",
          "[identity][throttle]") {
  RateLimiter rl;
  const int64_t w = 60'000;
  int64_t t = 1'000'000;
  for (int i = 0; i < 3; ++i) {
    CHECK(rl.retry_after_s("a@x.test", 3, w, t) == 0);
    rl.hit("a@x.test", w, t);
    t += 1000;  // attempts at 0 s, 1 s, 2 s
  }
  // At 3 s: blocked until the first attempt (0 s) is 60 s old → 57 s.
  CHECK(rl.retry_after_s("a@x.test", 3, w, t) == 57);
  CHECK(rl.retry_after_s("b@x.test", 3, w, t) == 0);  // keys are independent
  CHECK(rl.retry_after_s("a@x.test", 3, w, 1'000'000 + w - 1) == 1);
  CHECK(rl.retry_after_s("a@x.test", 3, w, 1'000'000 + w) == 0);
  // A raised limit applies at once (SIGHUP).
  CHECK(rl.retry_after_s("a@x.test", 10, w, t) == 0);
}

TEST_CASE("reset forgets a key, and expired keys are dropped", "[identity][throttle]") {
  RateLimiter rl;
  rl.hit("k", 1000, 0);
  rl.hit("k", 1000, 1);
  CHECK(rl.retry_after_s("k", 2, 1000, 2) == 1);
  rl.reset("k");
  CHECK(rl.retry_after_s("k", 2, 1000, 2) == 0);
  CHECK(rl.size() == 0);
  rl.hit("old", 1000, 0);
  CHECK(rl.retry_after_s("old", 1, 1000, 5000) == 0);
  CHECK(rl.size() == 0);  // expired on read
}

TEST_CASE("the limiter's memory stays bounded when keys rotate", "[identity][throttle]") {
  RateLimiter rl(1000);
  for (int i = 0; i < 50'000; ++i)
    rl.hit("addr-" + std::to_string(i), 300'000, 1'000 + i);
  CHECK(rl.size() <= 1000);
  // The newest keys survive the eviction.
  CHECK(rl.retry_after_s("addr-49999", 1, 300'000, 60'000) > 0);
}

TEST_CASE("the limiter counts every attempt from many threads", "[identity][throttle]") {
  RateLimiter rl;
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        rl.hit("shared", 60'000, 1000);
    });
  for (auto& t : ts)
    t.join();
  CHECK(rl.retry_after_s("shared", 800, 60'000, 1000) > 0);
  CHECK(rl.retry_after_s("shared", 801, 60'000, 1000) == 0);
}
