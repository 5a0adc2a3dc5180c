// systemd readiness (sd_notify protocol) without libsystemd: one datagram to $NOTIFY_SOCKET.
// A no-op when secud was not started by systemd with Type=notify.
#pragma once

#include <string_view>

namespace secu::daemon {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1\nMONOTONIC_USEC=…", "STATUS=…").
// Returns false only when a socket was named and the send failed.
bool sd_notify(std::string_view state);

}  // namespace secu::daemon
