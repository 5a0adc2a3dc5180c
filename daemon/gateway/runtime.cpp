#include "gateway/runtime.hpp"

#include "secu/approvals.hpp"
#include "secu/clock.hpp"
#include "secu/ledger.hpp"
#include "secu/log.hpp"
#include "server/app.hpp"
#include "server/http.hpp"

namespace secu::gateway {

namespace {

constexpr size_t kMaxSettleBatch = 512;
constexpr auto kSweepEvery = std::chrono::seconds(1);
constexpr int64_t kSweepBatch = 500;

audit::Entry system_entry() {
  audit::Entry e;
  e.actor = {"system", "secud"};
  return e;
}

}  // namespace

// ---- ApprovalBoard -----------------------------------------------------------------------------

uint64_t ApprovalBoard::generation() {
  std::lock_guard lk(m_mu);
  return m_generation;
}

void ApprovalBoard::notify() {
  {
    std::lock_guard lk(m_mu);
    ++m_generation;
  }
  m_cv.notify_all();
}

uint64_t ApprovalBoard::wait(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(m_mu);
  m_cv.wait_until(lk, deadline, [&] { return m_generation != seen; });
  return m_generation;
}

// ---- Runtime -----------------------------------------------------------------------------------

Runtime::Runtime(daemon::App& app) : m_app(app) {}

Runtime::~Runtime() {
  stop();
}

Status Runtime::start() {
  // Before any request: reservations of requests a crash cut off would otherwise hold their
  // agents' budgets for the rest of the day.
  int64_t orphans = 0;
  for (;;) {
    int64_t n = 0;
    SECU_TRY_VOID(m_app.store().write([&](store::WriteTx& tx) -> Status {
      SECU_TRY(n, gateway_core::settle_orphans(tx, 1000));
      return {};
    }));
    orphans += n;
    if (n < 1000) break;
  }
  if (orphans > 0) log::warn("settled billing events left open by a crash", {{"count", orphans}});
  m_settler = std::thread([this] { settler_loop(); });
  m_sweeper = std::thread([this] { sweeper_loop(); });
  return {};
}

void Runtime::stop() {
  {
    std::lock_guard lk(m_mu);
    if (m_stop) return;
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_settler.joinable()) m_settler.join();
  if (m_sweeper.joinable()) m_sweeper.join();
}

void Runtime::settle(gateway_core::SettleInput in) {
  {
    std::lock_guard lk(m_mu);
    m_queue.push_back(std::move(in));
    ++m_queued;
  }
  m_cv.notify_all();
}

void Runtime::flush_settlements() {
  std::unique_lock lk(m_mu);
  const uint64_t target = m_queued;
  m_cv.wait(lk, [&] { return m_done >= target || m_stop; });
}

void Runtime::settler_loop() {
  for (;;) {
    std::vector<gateway_core::SettleInput> batch;
    {
      std::unique_lock lk(m_mu);
      m_cv.wait(lk, [&] { return !m_queue.empty() || m_stop; });
      if (m_queue.empty()) return;  // stopping, and everything queued was written
      while (!m_queue.empty() && batch.size() < kMaxSettleBatch) {
        batch.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
      }
    }
    // One write job for the batch; each settlement in its own savepoint, so one that fails
    // (it is logged) does not take the others down.
    auto st = m_app.store().write([&](store::WriteTx& tx) -> Status {
      for (const auto& in : batch) {
        SECU_TRY(auto sp, store::Savepoint::begin(tx.db));
        if (auto r = gateway_core::settle(tx, in); !r.ok()) {
          log::error("gateway settlement failed",
                     {{"event_id", in.event_id}, {"code", r.error().code}});
          continue;  // sp rolls back
        }
        SECU_TRY_VOID(sp.release());
      }
      return {};
    });
    if (!st.ok()) {
      // The events stay unsettled in the database; the next start settles them.
      log::error("gateway settlements not written",
                 {{"count", static_cast<int64_t>(batch.size())}, {"code", st.error().code}});
    }
    {
      std::lock_guard lk(m_mu);
      m_done += batch.size();
    }
    m_cv.notify_all();
  }
}

void Runtime::sweep_holds(int64_t now) {
  // Holds of external-rail transfers a crash cut off between their two write jobs: released
  // once they lapse (the transfer fails with hold_expired). A read first, as for approvals.
  bool lapsed = false;
  auto st = m_app.store().read([&](store::Db& db) -> Status {
    SECU_TRY(auto rows, store::expired_holds(db, now, 1));
    lapsed = !rows.empty();
    return {};
  });
  if (st.ok() && lapsed) {
    st = m_app.store().write([&](store::WriteTx& tx) -> Status {
      SECU_TRY(auto n, ledger::expire_holds(tx, now, kSweepBatch));
      (void)n;
      return {};
    });
  }
  if (!st.ok()) log::warn("hold sweep failed", {{"code", st.error().code}});
}

void Runtime::sweeper_loop() {
  std::unique_lock lk(m_mu);
  while (!m_stop) {
    m_cv.wait_for(lk, kSweepEvery, [&] { return m_stop; });
    if (m_stop) return;
    lk.unlock();
    const int64_t now = now_ms();
    bool lapsed = false;
    // A read first: most seconds there is nothing to expire, and a write job would cost a
    // commit every second for nothing.
    auto st = m_app.store().read([&](store::Db& db) -> Status {
      SECU_TRY(auto rows, store::lapsed_pending_approvals(db, now, 1));
      lapsed = !rows.empty();
      return {};
    });
    if (st.ok() && lapsed) {
      int64_t n = 0;
      st = m_app.store().write([&](store::WriteTx& tx) -> Status {
        SECU_TRY(n, approvals::expire_lapsed(tx, now, kSweepBatch, system_entry()));
        return {};
      });
      if (st.ok() && n > 0) m_board.notify();
    }
    if (!st.ok()) log::warn("approval sweep failed", {{"code", st.error().code}});
    sweep_holds(now);
    lk.lock();
  }
}

void Runtime::on_agent_killed(const std::string& agent_id) {
  const size_t cut = m_streams.cancel_agent(agent_id);
  m_board.notify();
  if (cut > 0) {
    log::info("kill-switch cut open streams",
              {{"agent_id", agent_id}, {"streams", static_cast<int64_t>(cut)}});
  }
}

Runtime& runtime_of(daemon::Ctx& ctx) {
  auto& rt = ctx.app().gateway;
  if (!rt) daemon::Ctx::fail(Error::unavailable("the gateway is not running"));
  return *rt;
}

void on_agent_killed(daemon::App& app, const std::string& agent_id) {
  if (app.gateway) app.gateway->on_agent_killed(agent_id);
}

}  // namespace secu::gateway
