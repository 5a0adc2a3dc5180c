// A store with an audit log for the audit unit tests: a temporary database, a signing key,
// helpers to append entries and to tamper with rows while the store is closed.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "secu/audit.hpp"
#include "secu/audit/export.hpp"
#include "secu/audit/log.hpp"
#include "secu/crypto.hpp"
#include "secu/db.hpp"
#include "secu/store.hpp"
#include "support/fixture.hpp"

namespace secu::test {

class AuditStore {
 public:
  explicit AuditStore(bool open_now = true) {
    REQUIRE(crypto::init().ok());
    key = crypto::signing_key_generate();
    if (open_now) open();
  }
  std::string path() const { return tmp.path() + "/audit.db"; }

  void open() {
    auto s = store::Store::open({.path = path()});
    REQUIRE(s.ok());
    st = std::move(s).value();
    auto sg = audit::make_signer(*st, key);
    REQUIRE(sg.ok());
    signer = *sg;
  }
  void close() { st.reset(); }

  // Appends `n` entries, `per_job` per write job; org_id cycles through `orgs` orgs.
  void append(int n, int orgs = 3, int per_job = 7) {
    int done = 0;
    while (done < n) {
      const int k = std::min(per_job, n - done);
      REQUIRE(st->write([&](store::WriteTx& tx) -> Status {
                  for (int i = 0; i < k; ++i) {
                    const int c = m_count + i;
                    audit::Entry e;
                    e.org_id = "org_" + std::to_string(c % orgs);
                    e.actor = {"admin", "admin"};
                    e.action = c % 2 ? "agent.create" : "policy.update";
                    e.target = "agt_" + std::to_string(c);
                    e.details = {{"n", c}, {"name", "bot \"" + std::to_string(c) + "\"\n"}};
                    e.request_id = "req_" + std::to_string(c);
                    SECU_TRY_VOID(audit::append(tx, e));
                  }
                  return {};
                }).ok());
      m_count += k;
      done += k;
    }
  }
  int count() const { return m_count; }

  // Runs SQL on the database file with the store closed (a stopped secud), then reopens.
  void tamper(const std::string& sql) {
    close();
    {
      auto db = store::Db::open(path(), {});
      REQUIRE(db.ok());
      REQUIRE((*db)->exec(sql).ok());
    }
    open();
  }

  audit::SignedCheckpoint checkpoint() {
    auto cp = audit::current_checkpoint(*st, signer);
    REQUIRE(cp.ok());
    return *cp;
  }

  TempDir tmp;
  crypto::SigningKey key;
  std::unique_ptr<store::Store> st;
  audit::Signer signer;

 private:
  int m_count = 0;
};

// The whole export of `cp` in the given options, read `batch` entries at a time (small, so even
// a short log spans several chunks).
inline std::string export_text(AuditStore& a, audit::ExportOptions o,
                               const audit::SignedCheckpoint& cp, int64_t batch = 4) {
  o.batch = batch;
  auto w = audit::ExportWriter::open(*a.st, cp, o);
  REQUIRE(w.ok());
  std::string out;
  for (;;) {
    auto more = (*w)->next(out);
    REQUIRE(more.ok());
    if (!*more) break;
  }
  return out;
}

}  // namespace secu::test
