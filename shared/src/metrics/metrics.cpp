#include "secu/metrics.hpp"

namespace secu::metrics {

// Function-local statics: initialised on first use, so no static-initialisation-order issue
// between libsecu and secud's translation units.
Counter& audit_appends() {
  static Counter c;
  return c;
}

Counter& audit_append_failures() {
  static Counter c;
  return c;
}

}  // namespace secu::metrics
