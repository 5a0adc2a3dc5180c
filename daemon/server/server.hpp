// The HTTP server: httplib underneath, our middleware and route table on top.
#pragma once

#include <memory>

#include "secu/result.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

class App;

class Server {
 public:
  Server(App& app, RouteTable routes);
  ~Server();
  // Binds the listen address; on success the bound port is known.
  Status bind();
  int port() const { return m_port; }
  // Serves until stop(); returns after in-flight requests finished.
  void serve();
  // Stops accepting; safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  int m_port = 0;
};

}  // namespace secu::daemon
