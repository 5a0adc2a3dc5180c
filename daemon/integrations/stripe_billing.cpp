#include "integrations/stripe_billing.hpp"

#include <cstdlib>
#include <mutex>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "secu/store/orgs.hpp"

namespace secu::daemon {

namespace bs = billing::stripe;

namespace {

// Invoices are rare and each is a handful of Stripe calls: one at a time per process keeps two
// requests for the same period from sending the same idempotency key concurrently (Stripe
// answers the second with 409 idempotency_key_in_use).
std::mutex g_invoice_mu;
// Likewise for customers: two concurrent first calls for one org would make two Stripe
// customers (one of them never used).
std::mutex g_customer_mu;

Result<std::string> id_of(const nlohmann::json& obj, std::string_view prefix) {
  auto it = obj.find("id");
  if (it == obj.end() || !it->is_string() || it->get<std::string>().rfind(prefix, 0) != 0) {
    return Error::make(ErrorKind::kUpstream, "stripe_bad_response",
                       "Stripe's answer has no " + std::string(prefix) + "… id");
  }
  return it->get<std::string>();
}

// Stripe answered with an error (so it made nothing), and repeating the same request would not
// help: any 4xx but 409 (a concurrent request with the same key) and 429 (try later).
bool refused_outright(const Error& e) {
  if (e.code != "stripe_error") return false;
  auto it = e.extra.find("stripe_status");
  if (it == e.extra.end()) return false;
  const int status = std::atoi(it->second.c_str());
  return status >= 400 && status < 500 && status != 409 && status != 429;
}

int64_t seconds(int64_t ms) {
  return ms / 1000;
}

std::string period_text(const store::StripeInvoiceRow& r) {
  return format_rfc3339(r.period_start).substr(0, 10) + " to " +
         format_rfc3339(r.period_end).substr(0, 10);
}

nlohmann::json metadata(const store::StripeInvoiceRow& r, const char* line) {
  nlohmann::json m = {{"org_id", r.org_id},
                      {"secu_invoice_id", r.id},
                      {"period_start", format_rfc3339(r.period_start)},
                      {"period_end", format_rfc3339(r.period_end)}};
  if (line) m["line"] = line;
  return m;
}

nlohmann::json item_params(const store::StripeInvoiceRow& r, int64_t cents, const char* line,
                           const std::string& description) {
  return {{"customer", r.stripe_customer_id},
          {"amount", cents},
          {"currency", r.currency},
          {"description", description},
          {"period", {{"start", seconds(r.period_start)}, {"end", seconds(r.period_end) - 1}}},
          {"metadata", metadata(r, line)}};
}

// Copies what Secu keeps of a finalized (or otherwise non-draft) Stripe invoice.
void take_invoice_state(store::StripeInvoiceRow& r, const nlohmann::json& inv) {
  if (auto it = inv.find("status"); it != inv.end() && it->is_string()) r.status = *it;
  if (auto it = inv.find("amount_due"); it != inv.end() && it->is_number_integer()) {
    r.amount_due_cents = it->get<int64_t>();
  }
  if (auto it = inv.find("number"); it != inv.end() && it->is_string()) r.number = *it;
  if (auto it = inv.find("hosted_invoice_url"); it != inv.end() && it->is_string()) {
    r.hosted_invoice_url = *it;
  }
}

class InvoiceRun {
 public:
  InvoiceRun(store::Store& store, const StripeClient& stripe, const audit::Entry& base,
             store::StripeInvoiceRow row)
      : m_store(store), m_stripe(stripe), m_base(base), m_row(std::move(row)) {}

  // Runs every step not yet recorded on the row, in order.
  Status run(bool resuming) {
    if (m_row.fee_cents > 0 && !m_row.fees_item_id) {
      SECU_TRY(auto item, m_stripe.post("/v1/invoiceitems",
                                        item_params(m_row, m_row.fee_cents, "fees",
                                                    "Secu platform fees, " + period_text(m_row)),
                                        bs::idempotency_key(m_row, bs::Step::kFeesItem)));
      SECU_TRY(m_row.fees_item_id, id_of(item, "ii_"));
      SECU_TRY_VOID(record(bs::Step::kFeesItem));
    }
    if (m_row.retainer_cents > 0 && !m_row.retainer_item_id) {
      SECU_TRY(auto item, m_stripe.post("/v1/invoiceitems",
                                        item_params(m_row, m_row.retainer_cents, "retainer",
                                                    "Secu monthly retainer, " + period_text(m_row)),
                                        bs::idempotency_key(m_row, bs::Step::kRetainerItem)));
      SECU_TRY(m_row.retainer_item_id, id_of(item, "ii_"));
      SECU_TRY_VOID(record(bs::Step::kRetainerItem));
    }
    if (!m_row.stripe_invoice_id) {
      nlohmann::json p = {{"customer", m_row.stripe_customer_id},
                          {"collection_method", m_row.collection_method},
                          {"auto_advance", false},
                          {"pending_invoice_items_behavior", "include"},
                          {"description", "Secu platform fees, " + period_text(m_row)},
                          {"metadata", metadata(m_row, nullptr)}};
      if (m_row.days_until_due) p["days_until_due"] = *m_row.days_until_due;
      SECU_TRY(auto inv,
               m_stripe.post("/v1/invoices", p, bs::idempotency_key(m_row, bs::Step::kInvoice)));
      SECU_TRY(m_row.stripe_invoice_id, id_of(inv, "in_"));
      SECU_TRY_VOID(record(bs::Step::kInvoice));
    }
    if (m_row.status == "pending") {
      const std::string path = "/v1/invoices/" + *m_row.stripe_invoice_id;
      nlohmann::json inv;
      // A resumed invoice may have been finalized by a call whose answer was lost more than a
      // day ago (Stripe forgets idempotency keys after 24 h): look before finalizing again.
      if (resuming) {
        SECU_TRY(inv, m_stripe.get(path));
      }
      if (!resuming || inv.value("status", "") == "draft") {
        // The draft was made with auto_advance=false so Stripe would not finalize it behind our
        // back; once final, Stripe takes over collection (emails a send_invoice invoice, charges
        // a charge_automatically one).
        SECU_TRY(inv, m_stripe.post(path + "/finalize", {{"auto_advance", true}},
                                    bs::idempotency_key(m_row, bs::Step::kFinalize)));
      }
      take_invoice_state(m_row, inv);
      if (m_row.status == "pending" || m_row.status == "draft") {
        return Error::make(ErrorKind::kUpstream, "stripe_bad_response",
                           "Stripe did not finalize the invoice");
      }
      if (m_row.amount_due_cents && *m_row.amount_due_cents != m_row.total_cents) {
        // Other pending items of the customer were swept in, or a credit balance applied:
        // Stripe's amount is what the customer owes, so it is the one kept.
        log::warn("stripe invoice amount differs from Secu's total",
                  {{"invoice_id", m_row.id},
                   {"amount_due_cents", *m_row.amount_due_cents},
                   {"total_cents", m_row.total_cents}});
      }
      SECU_TRY_VOID(record(bs::Step::kFinalize));
    }
    return {};
  }

  const store::StripeInvoiceRow& row() const { return m_row; }

 private:
  Status record(bs::Step step) {
    return m_store.write(
        [&](store::WriteTx& tx) { return bs::record_step(tx, m_row, step, m_base); });
  }

  store::Store& m_store;
  const StripeClient& m_stripe;
  const audit::Entry& m_base;
  store::StripeInvoiceRow m_row;
};

}  // namespace

Result<nlohmann::json> create_customer(store::Store& store, const StripeClient& stripe,
                                       const CustomerRequest& req, const audit::Entry& base) {
  std::lock_guard lock(g_customer_mu);
  std::optional<store::BillingSettingsRow> settings;
  std::optional<std::string> email = req.email;
  std::string name = req.name.value_or("");
  SECU_TRY_VOID(store.read([&](store::Db& db) -> Status {
    SECU_TRY(settings, store::get_billing_settings(db, req.org_id));
    if (!email) {
      SECU_TRY(email, bs::customer_email(db, req.org_id));
    }
    if (name.empty()) {
      SECU_TRY(auto org, store::get_org(db, req.org_id));
      if (!org) return Error::not_found("org");
      name = org->name;
    }
    return {};
  }));
  auto answer = [&](const store::BillingSettingsRow& s, bool already_set) {
    nlohmann::json j = {{"org_id", req.org_id},
                        {"stripe_customer_id", *s.stripe_customer_id},
                        {"stripe_enabled", s.stripe_enabled},
                        {"already_set", already_set}};
    if (s.billing_email) j["billing_email"] = *s.billing_email;
    return j;
  };
  if (settings && settings->stripe_customer_id) return answer(*settings, true);

  nlohmann::json params = {{"name", name}, {"metadata", {{"org_id", req.org_id}}}};
  if (email) params["email"] = *email;
  // Same org and same parameters → same key: a retry after a lost answer gets the customer
  // Stripe made, not a second one; changed parameters are a new request.
  const std::string key = "secu-customer-" + req.org_id + "-" +
                          crypto::hex_encode(crypto::sha256(form_encode(params))).substr(0, 16);
  SECU_TRY(auto customer, stripe.post("/v1/customers", params, key));
  SECU_TRY(auto customer_id, id_of(customer, "cus_"));
  bs::AttachResult attached;
  SECU_TRY_VOID(store.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(attached, bs::attach_customer(tx, req.org_id, customer_id, base));
    return {};
  }));
  auto j = answer(attached.settings, attached.already_set);
  if (!attached.already_set) {
    j["name"] = name;
    if (email) j["email"] = *email;
  }
  return j;
}

Result<nlohmann::json> create_invoice(store::Store& store, const StripeClient& stripe,
                                      const bs::InvoiceRequest& req, const audit::Entry& base) {
  std::lock_guard lock(g_invoice_mu);
  bs::Begun begun;
  SECU_TRY_VOID(store.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(begun, bs::begin_invoice(tx, req, base));
    return {};
  }));
  const bool resuming = begun.existed && begun.row.status == "pending";
  InvoiceRun run(store, stripe, base, begun.row);
  if (!begun.existed || resuming) {
    if (resuming) log::info("resuming stripe invoice", {{"invoice_id", begun.row.id}});
    if (auto st = run.run(resuming); !st.ok()) {
      Error e = st.take_error();
      if (refused_outright(e) && bs::untouched(run.row())) {
        auto abandoned = store.write([&](store::WriteTx& tx) -> Status {
          SECU_TRY(bool gone, bs::abandon(tx, run.row().id, e, base));
          (void)gone;
          return {};
        });
        if (!abandoned.ok()) {
          log::warn("stripe invoice not abandoned", {{"invoice_id", run.row().id}});
        }
      }
      return e;
    }
  }
  auto j = bs::invoice_json(run.row());
  j["already_exists"] = begun.existed;
  j["resumed"] = resuming;
  return j;
}

}  // namespace secu::daemon
