// Secu's Stripe invoice records on a real database: the (org, period) key, overlaps, paging,
// and billing::stripe::begin_invoice / record_step / abandon (the part of invoicing that needs
// no network).
#include <catch2/catch.hpp>

#include "secu/billing_stripe.hpp"
#include "secu/clock.hpp"
#include "secu/store.hpp"
#include "secu/store/billing_events.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/stripe_invoices.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::store;
namespace bs = secu::billing::stripe;

namespace {

struct TestStore {
  test::TempDir tmp;
  std::unique_ptr<Store> st;
  TestStore() {
    auto s = Store::open({.path = tmp.path() + "/t.db"});
    REQUIRE(s.ok());
    st = std::move(s).value();
    for (const auto* id : {"org_a", "org_b"}) {
      OrgRow o;
      o.id = id;
      o.name = id;
      o.created_at = 1;
      REQUIRE(w([&](Db& db) { return insert_org(db, o); }).ok());
    }
  }
  Status w(const std::function<Status(Db&)>& fn) {
    return st->write([&](WriteTx& tx) { return fn(tx.db); });
  }
  template <typename T>
  Result<T> tx(const std::function<Result<T>(WriteTx&)>& fn) {
    std::optional<Result<T>> out;
    auto st2 = st->write([&](WriteTx& t) -> Status {
      out.emplace(fn(t));
      if (!out->ok()) return out->error();
      return {};
    });
    if (!st2.ok() && (!out || out->ok())) return st2.take_error();
    return std::move(*out);
  }
};

StripeInvoiceRow row(const std::string& id, const std::string& org, int64_t from, int64_t to,
                     int64_t at) {
  StripeInvoiceRow r;
  r.id = id;
  r.org_id = org;
  r.period_start = from;
  r.period_end = to;
  r.stripe_customer_id = "cus_1";
  r.currency = "usd";
  r.collection_method = "send_invoice";
  r.days_until_due = 30;
  r.total_cents = 100;
  r.retainer_cents = 100;
  r.status = "pending";
  r.created_at = at;
  r.updated_at = at;
  return r;
}

}  // namespace

TEST_CASE("stripe invoice rows: one per (org, period), overlaps, newest first", "[stripe][store]") {
  TestStore t;
  REQUIRE(t.w([](Db& db) {
             return insert_stripe_invoice(db, row("sinv_1", "org_a", 0, 100, 10));
           }).ok());
  // The same period again is a conflict; another org's same period is not.
  auto dup =
      t.w([](Db& db) { return insert_stripe_invoice(db, row("sinv_2", "org_a", 0, 100, 11)); });
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().kind == ErrorKind::kConflict);
  REQUIRE(t.w([](Db& db) {
             return insert_stripe_invoice(db, row("sinv_3", "org_b", 0, 100, 12));
           }).ok());
  REQUIRE(t.w([](Db& db) {
             return insert_stripe_invoice(db, row("sinv_4", "org_a", 100, 200, 13));
           }).ok());

  REQUIRE(t.st->read([](Db& db) -> Status {
                auto f = find_stripe_invoice(db, "org_a", 0, 100);
                REQUIRE(f.ok());
                REQUIRE(f->has_value());
                CHECK((*f)->id == "sinv_1");
                CHECK((*f)->days_until_due == 30);
                // Overlaps: adjacent periods do not, a part of one does, the exact one is not
                // an "other" period.
                CHECK_FALSE(overlapping_stripe_invoice(db, "org_a", 200, 300)->has_value());
                CHECK_FALSE(overlapping_stripe_invoice(db, "org_a", 0, 100)->has_value());
                CHECK((*overlapping_stripe_invoice(db, "org_a", 50, 150))->id == "sinv_1");
                CHECK((*overlapping_stripe_invoice(db, "org_a", 150, 160))->id == "sinv_4");
                CHECK_FALSE(overlapping_stripe_invoice(db, "org_b", 100, 300)->has_value());
                PageRequest p;
                auto all = list_stripe_invoices(db, "", p);
                REQUIRE(all->size() == 3);
                CHECK((*all)[0].id == "sinv_4");
                CHECK((*all)[2].id == "sinv_1");
                auto mine = list_stripe_invoices(db, "org_b", p);
                REQUIRE(mine->size() == 1);
                CHECK((*mine)[0].id == "sinv_3");
                return {};
              })
              .ok());

  auto done = row("sinv_1", "org_a", 0, 100, 10);
  done.fees_item_id = "ii_1";
  done.stripe_invoice_id = "in_1";
  done.status = "open";
  done.amount_due_cents = 100;
  done.hosted_invoice_url = "https://invoice.stripe.test/i/1";
  REQUIRE(t.w([&](Db& db) { return update_stripe_invoice(db, done); }).ok());
  REQUIRE(t.w([](Db& db) { return delete_stripe_invoice(db, "sinv_4"); }).ok());
  REQUIRE(t.st->read([](Db& db) -> Status {
                auto g = get_stripe_invoice(db, "sinv_1");
                CHECK((*g)->status == "open");
                CHECK((*g)->stripe_invoice_id == "in_1");
                CHECK((*g)->hosted_invoice_url == "https://invoice.stripe.test/i/1");
                CHECK_FALSE(get_stripe_invoice(db, "sinv_4")->has_value());
                return {};
              })
              .ok());
}

TEST_CASE("begin_invoice: checks, cents rounded once, existing row, abandon", "[stripe][store]") {
  TestStore t;
  const int64_t from = *parse_time("2026-11-01");
  const int64_t to = *parse_time("2026-12-01");
  bs::InvoiceRequest req;
  req.org_id = "org_a";
  req.period = {from, to};
  auto begin = [&] {
    return t.tx<bs::Begun>([&](WriteTx& tx) { return bs::begin_invoice(tx, req, audit::Entry{}); });
  };
  auto code = [](const Result<bs::Begun>& r) { return r.ok() ? "" : r.error().code; };

  CHECK(code(begin()) == "stripe_customer_missing");
  BillingSettingsRow s;
  s.org_id = "org_a";
  s.stripe_customer_id = "cus_A";
  s.created_at = s.updated_at = 1;
  REQUIRE(t.w([&](Db& db) { return put_billing_settings(db, s); }).ok());
  CHECK(code(begin()) == "stripe_disabled");
  s.stripe_enabled = true;
  s.currency = "eur";
  REQUIRE(t.w([&](Db& db) { return put_billing_settings(db, s); }).ok());
  CHECK(code(begin()) == "currency_not_supported");
  s.currency = "usd";
  REQUIRE(t.w([&](Db& db) { return put_billing_settings(db, s); }).ok());
  CHECK(code(begin()) == "nothing_to_invoice");

  // Three fees of 1.25 ¢ in the period (and one outside it): 3.75 ¢ billed as 4 ¢.
  int n = 0;
  for (int64_t at : {from + 1000, from + 2000, to - 1, to}) {
    BillingEventRow e;
    e.id = "evt_" + std::to_string(++n);
    e.org_id = "org_a";
    e.agent_id = "agt_1";
    e.key_id = "key_1";
    e.vendor_id = "vnd_1";
    e.request_id = "req";
    e.action = "GET /x";
    e.method = "GET";
    e.path = "/x";
    e.allow = true;
    e.status_code = 200;
    e.fee_micros = 12'500;
    e.metering_source = "declared";
    e.day = utc_day_start(at);
    e.hour = at - at % 3'600'000;
    e.created_at = at;
    REQUIRE(t.w([&](Db& db) { return insert_billing_event(db, e); }).ok());
  }
  s.monthly_retainer_micros = 49'990'000;
  s.collection_method = "charge_automatically";
  REQUIRE(t.w([&](Db& db) { return put_billing_settings(db, s); }).ok());
  auto b = begin();
  REQUIRE(b.ok());
  CHECK_FALSE(b->existed);
  CHECK(b->row.fee_micros == 37'500);
  CHECK(b->row.fee_cents == 4);
  CHECK(b->row.retainer_cents == 4999);
  CHECK(b->row.total_cents == 5003);
  CHECK(b->row.stripe_customer_id == "cus_A");
  CHECK(b->row.collection_method == "charge_automatically");
  CHECK_FALSE(b->row.days_until_due.has_value());
  CHECK(b->row.status == "pending");
  CHECK(bs::untouched(b->row));

  auto again = begin();
  REQUIRE(again.ok());
  CHECK(again->existed);
  CHECK(again->row.id == b->row.id);

  // Progress recorded: no longer untouched, so not abandoned.
  auto progressed = b->row;
  progressed.fees_item_id = "ii_1";
  REQUIRE(t.st->write([&](WriteTx& tx) {
                return bs::record_step(tx, progressed, bs::Step::kFeesItem, audit::Entry{});
              })
              .ok());
  const Error refused = Error::make(ErrorKind::kUpstream, "stripe_error", "Stripe: no");
  auto kept = t.tx<bool>([&](WriteTx& tx) { return bs::abandon(tx, b->row.id, refused, {}); });
  REQUIRE(kept.ok());
  CHECK_FALSE(*kept);
  // An untouched one is abandoned, and the period is free again.
  req.period = {to, to + 1000};
  REQUIRE(t.w([&](Db& db) { return put_billing_settings(db, s); }).ok());
  auto other = begin();
  REQUIRE(other.ok());
  auto gone = t.tx<bool>([&](WriteTx& tx) { return bs::abandon(tx, other->row.id, refused, {}); });
  REQUIRE(gone.ok());
  CHECK(*gone);
  CHECK_FALSE(begin()->existed);
}
