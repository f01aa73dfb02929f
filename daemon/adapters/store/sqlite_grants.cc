#include "adapters/store/sqlite_grants.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "adapters/store/sqlite_store.h"

namespace larder {
namespace {

using grants::AuditEntry;
using grants::Grant;

constexpr int kGrantsMigration = 3;

// What went wrong, in the store's words (sqlite_store.h).
std::string explain(const std::exception& e) { return sqlite_error_text(e); }

std::int64_t clamp_limit(std::size_t limit) {
  const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit < max ? limit : max);
}

class SqliteGrantStore final : public grants::GrantStore {
 public:
  SqliteGrantStore(std::string path, std::unique_ptr<SQLite::Database> db)
      : path_(std::move(path)),
        db_(std::move(db)),
        upsert_grant_(*db_, "INSERT INTO grants (grant_id, order_id, vehicle, state, json, "
                            "updated) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (grant_id) DO "
                            "UPDATE SET order_id = excluded.order_id, vehicle = "
                            "excluded.vehicle, state = excluded.state, json = excluded.json, "
                            "updated = excluded.updated"),
        select_grants_(*db_, "SELECT grant_id, json FROM grants ORDER BY rowid"),
        delete_grant_(*db_, "DELETE FROM grants WHERE grant_id = ?"),
        insert_audit_(*db_, "INSERT INTO grant_audit (seq, ts, event, grant_id, order_id, "
                            "vehicle, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        select_audit_(*db_, "SELECT seq, ts, event, grant_id, order_id, vehicle, detail, "
                            "prev_hash, hash FROM grant_audit WHERE seq > ? ORDER BY seq "
                            "LIMIT ?"),
        last_audit_(*db_, "SELECT seq, ts, event, grant_id, order_id, vehicle, detail, "
                          "prev_hash, hash FROM grant_audit ORDER BY seq DESC LIMIT 1") {}

  Status save_grant(const Grant& g) override {
    if (g.id.empty()) return Status::Error("grant store: a grant without an id");
    if (!std::isfinite(g.updated)) {
      return Status::Error("grant store: grant " + g.id + " has a non-finite time");
    }
    try {
      upsert_grant_.bind(1, g.id);
      upsert_grant_.bind(2, g.order_id);
      upsert_grant_.bind(3, g.vehicle);
      upsert_grant_.bind(4, std::string(grants::state_name(g.state)));
      upsert_grant_.bind(5, grants::grant_json(g).dump());
      upsert_grant_.bind(6, g.updated);
      upsert_grant_.exec();  // autocommit: its own transaction
      upsert_grant_.reset();
    } catch (const std::exception& e) {
      upsert_grant_.tryReset();
      return Status::Error("grant store: saving grant " + g.id + " of order " + g.order_id +
                           " to " + path_ + " failed: " + explain(e));
    }
    return Status::Ok();
  }

  Result<std::vector<Grant>> load_grants() override {
    std::vector<Grant> out;
    try {
      while (select_grants_.executeStep()) {
        const std::string id = select_grants_.getColumn(0).getString();
        auto j = nlohmann::json::parse(select_grants_.getColumn(1).getString(), nullptr, false);
        auto g = grants::load_grant(j);
        if (!g.ok() || g->id != id) {
          select_grants_.reset();
          return Status::Error("grant store: grant " + id + " in " + path_ + " does not read: " +
                               (g.ok() ? "its id differs" : g.status().message()));
        }
        out.push_back(std::move(g.value()));
      }
      select_grants_.reset();
    } catch (const std::exception& e) {
      select_grants_.tryReset();
      return Status::Error("grant store: reading grants from " + path_ + " failed: " +
                           explain(e));
    }
    return out;
  }

  Status delete_grants(const std::vector<std::string>& ids) override {
    if (ids.empty()) return Status::Ok();
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);  // all or none
      for (const std::string& id : ids) {
        delete_grant_.bind(1, id);
        delete_grant_.exec();
        delete_grant_.reset();
      }
      tx.commit();
    } catch (const std::exception& e) {
      delete_grant_.tryReset();
      return Status::Error("grant store: deleting " + std::to_string(ids.size()) +
                           " ended grants from " + path_ + " failed: " + explain(e));
    }
    return Status::Ok();
  }

  Status append_audit(const AuditEntry& e) override {
    if (!std::isfinite(e.ts)) {
      return Status::Error("grant store: audit entry " + std::to_string(e.seq) +
                           " has a non-finite time");
    }
    try {
      insert_audit_.bind(1, e.seq);
      insert_audit_.bind(2, e.ts);
      insert_audit_.bind(3, e.event);
      insert_audit_.bind(4, e.grant_id);
      insert_audit_.bind(5, e.order_id);
      insert_audit_.bind(6, e.vehicle);
      insert_audit_.bind(7, e.detail);
      insert_audit_.bind(8, e.prev_hash);
      insert_audit_.bind(9, e.hash);
      insert_audit_.exec();  // autocommit; the triggers check seq and prev_hash
      insert_audit_.reset();
    } catch (const std::exception& ex) {
      insert_audit_.tryReset();
      return Status::Error("grant store: appending audit entry " + std::to_string(e.seq) +
                           " to " + path_ + " failed: " + explain(ex));
    }
    return Status::Ok();
  }

  Result<std::vector<AuditEntry>> load_audit(std::int64_t after_seq,
                                             std::size_t limit) override {
    std::vector<AuditEntry> out;
    if (limit == 0) return out;
    try {
      select_audit_.bind(1, after_seq);
      select_audit_.bind(2, clamp_limit(limit));
      while (select_audit_.executeStep()) out.push_back(row(select_audit_));
      select_audit_.reset();
    } catch (const std::exception& e) {
      select_audit_.tryReset();
      return Status::Error("grant store: reading the audit log from " + path_ + " failed: " +
                           explain(e));
    }
    return out;
  }

  Result<std::optional<AuditEntry>> last_audit() override {
    std::optional<AuditEntry> out;
    try {
      if (last_audit_.executeStep()) out = row(last_audit_);
      last_audit_.reset();
    } catch (const std::exception& e) {
      last_audit_.tryReset();
      return Status::Error("grant store: reading the audit log from " + path_ + " failed: " +
                           explain(e));
    }
    return out;
  }

 private:
  static AuditEntry row(SQLite::Statement& q) {
    AuditEntry e;
    e.seq = q.getColumn(0).getInt64();
    e.ts = q.getColumn(1).getDouble();
    e.event = q.getColumn(2).getString();
    e.grant_id = q.getColumn(3).getString();
    e.order_id = q.getColumn(4).getString();
    e.vehicle = q.getColumn(5).getString();
    e.detail = q.getColumn(6).getString();
    e.prev_hash = q.getColumn(7).getString();
    e.hash = q.getColumn(8).getString();
    return e;
  }

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;  // before the statements, which use it
  SQLite::Statement upsert_grant_;
  SQLite::Statement select_grants_;
  SQLite::Statement delete_grant_;
  SQLite::Statement insert_audit_;
  SQLite::Statement select_audit_;
  SQLite::Statement last_audit_;
};

}  // namespace

Result<std::unique_ptr<grants::GrantStore>> open_sqlite_grant_store(
    const std::string& state_dir, const SqliteGrantStoreOptions& options) {
  const std::string path = sqlite_store_path(state_dir);
  try {
    // Never OPEN_CREATE: the main store makes and migrates the file.
    int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    const std::string name =
        options.read_only ? sqlite_read_only_name(path, flags, options.no_room) : path;
    auto db = std::make_unique<SQLite::Database>(name, flags, options.busy_timeout_ms);
    if (options.read_only) {
      db->exec("PRAGMA query_only = ON");
    } else {
      const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
      if (mode != "wal") {
        return Status::Error("grant store: " + path + " cannot use WAL mode (journal_mode is " +
                             mode + ")");
      }
    }
    db->exec("PRAGMA synchronous = FULL");
    const bool migrated =
        db->tableExists("schema_migrations") &&
        db->execAndGet("SELECT count(*) FROM schema_migrations WHERE version = " +
                       std::to_string(kGrantsMigration))
                .getInt() == 1;
    if (!migrated) {
      return Status::Error("grant store: " + path + " lacks schema version " +
                           std::to_string(kGrantsMigration) +
                           " (grants); open the main store first, which migrates it");
    }
    std::unique_ptr<grants::GrantStore> store =
        std::make_unique<SqliteGrantStore>(path, std::move(db));
    return store;
  } catch (const std::exception& e) {
    return Status::Error("grant store: cannot open " + path + ": " + explain(e));
  }
}

}  // namespace larder
