#include "secu/store/orgs.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "id, name, created_at, default_daily_budget_micros, stripe_email, network, create_wallet";

OrgRow read_org(const Stmt& q) {
  OrgRow o;
  o.id = q.text(0);
  o.name = q.text(1);
  o.created_at = q.int64(2);
  o.default_daily_budget_micros = q.opt_int64(3);
  o.stripe_email = q.opt_text(4);
  o.network = q.opt_text(5);
  o.create_wallet = q.int64(6) != 0;
  return o;
}
}  // namespace

Status insert_org(Db& db, const OrgRow& o) {
  SECU_TRY(auto q, db.query("INSERT INTO orgs (id, name, created_at, default_daily_budget_micros, "
                            "stripe_email, network, create_wallet) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  q.bind_all(o.id, o.name, o.created_at, o.default_daily_budget_micros, o.stripe_email, o.network,
             o.create_wallet);
  return q.run();
}

Result<std::optional<OrgRow>> get_org(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string("SELECT ") + kColumns + " FROM orgs WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<OrgRow>();
  return std::optional<OrgRow>(read_org(q));
}

Result<std::vector<OrgRow>> list_orgs(Db& db, const PageRequest& page) {
  SECU_TRY(auto q,
           db.query(std::string("SELECT ") + kColumns + " FROM orgs WHERE 1 = 1" +
                    keyset_before(page, 1) + " ORDER BY created_at DESC, id DESC LIMIT ?3"));
  q.bind_all(page.before_created_at, page.before_id, page.limit + 1);
  std::vector<OrgRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(read_org(q));
  }
  return out;
}

}  // namespace secu::store
