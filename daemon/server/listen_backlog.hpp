// The listening socket's accept queue, raised to the system's maximum.
//
// Debian's libcpp-httplib is built with CPPHTTPLIB_LISTEN_BACKLOG 5, baked into the shared
// library. Five is far too short for a daemon that agents open connections to in bursts: a
// sixth simultaneous connect overflows the queue, its SYN is dropped and retried a second later
// (a 1 s stall), and now and then the handshake is reset and the client's first request fails
// (secu_ledger_bench at 32 clients: "Read" errors 1.0 s into the run, TcpExtListenOverflows
// climbing). httplib does not expose the socket, so it is found in /proc/self/fd by its local
// port and SO_ACCEPTCONN; listen() on a listening socket only changes its backlog.
#pragma once

namespace secu::daemon {

// Raises the backlog of the socket listening on `port`; false when none was found.
bool raise_listen_backlog(int port);

}  // namespace secu::daemon
