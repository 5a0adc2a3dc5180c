// FUZZ_REQUIRE: an invariant of a fuzz target. A failure prints what broke and aborts, which
// libFuzzer records as a crash (the input is saved as crash-<sha1>).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(cond)                                                               \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
