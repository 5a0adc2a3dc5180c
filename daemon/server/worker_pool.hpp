// The HTTP server's workers: one thread per open connection, up to a bound.
//
// httplib 0.11 hands each accepted connection to one worker for its whole life, and a worker
// waits on a silent client until the read (or keep-alive) timeout. With a fixed pool of N
// threads, N idle or slow sockets (slowloris, a burst of idle keep-alives) would hold every
// worker and stall everyone else for the length of the timeout. This pool starts `core`
// threads and adds one whenever a connection arrives and no thread is idle, up to `max`;
// beyond that connections wait in the queue (the kernel backlog before it). A slow client then
// costs one thread, not the service. Threads stay once started (the pool keeps its peak size).
#pragma once

#include <cstddef>

namespace httplib {
class TaskQueue;
}  // namespace httplib

namespace secu::daemon {

// The connections served at once (threads) at most, whatever --threads says.
inline constexpr size_t kMaxConnectionThreads = 512;

// A new pool (httplib's new_task_queue takes ownership of a raw pointer: that is its API).
httplib::TaskQueue* new_worker_pool(size_t core, size_t max);

}  // namespace secu::daemon
