// SqliteCatalogStore: containers, certificate stores and the built-in store types.
#include <SQLiteCpp/Statement.h>

#include "jobs/ascii.h"
#include "jobs/iso_time.h"
#include "jobs/store_types.h"
#include "store/catalog_store.h"
#include "store/job_store.h"
#include "store/paged_select.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using jobs::QueryField;

constexpr std::string_view kStoreColumns =
    "s.id, s.client_machine, s.store_path, s.store_type, s.container_id, "
    "coalesce(k.name, ''), coalesce(s.agent_id, ''), coalesce(s.agent_pool_id, ''), "
    "s.properties, s.create_if_missing, s.password, s.created_at";
constexpr std::string_view kStoreFrom =
    "certificate_stores s LEFT JOIN containers k ON k.id = s.container_id";

CertStoreRecord ReadStore(SQLite::Statement& row) {
  CertStoreRecord record;
  record.id = row.getColumn(0).getString();
  record.client_machine = row.getColumn(1).getString();
  record.store_path = row.getColumn(2).getString();
  record.store_type = row.getColumn(3).getInt();
  if (!row.getColumn(4).isNull()) record.container_id = row.getColumn(4).getInt64();
  record.container_name = row.getColumn(5).getString();
  record.agent_id = row.getColumn(6).getString();
  record.agent_pool_id = row.getColumn(7).getString();
  record.properties_json = row.getColumn(8).getString();
  record.create_if_missing = row.getColumn(9).getInt() != 0;
  if (!row.getColumn(10).isNull()) record.sealed_password = row.getColumn(10).getString();
  record.created_at = jobs::FromUnixMillis(row.getColumn(11).getInt64());
  return record;
}

void BindOptionalText(SQLite::Statement& statement, int index, const std::string& text) {
  if (text.empty()) {
    statement.bind(index);
  } else {
    statement.bind(index, text);
  }
}

// Binds the columns shared by INSERT and UPDATE at 1..8 in the order of kWritableColumns.
void BindWritable(SQLite::Statement& statement, const CertStoreRecord& record) {
  statement.bind(1, record.client_machine);
  statement.bind(2, record.store_path);
  statement.bind(3, record.store_type);
  if (record.container_id) {
    statement.bind(4, *record.container_id);
  } else {
    statement.bind(4);
  }
  BindOptionalText(statement, 5, record.agent_id);
  BindOptionalText(statement, 6, record.agent_pool_id);
  statement.bind(7, record.properties_json);
  statement.bind(8, record.create_if_missing ? 1 : 0);
}

void BindPassword(SQLite::Statement& statement, int index, const CertStoreRecord& record) {
  if (record.sealed_password) {
    statement.bind(index, record.sealed_password->data(),
                   static_cast<int>(record.sealed_password->size()));
  } else {
    statement.bind(index);
  }
}

Status CheckContainer(SQLite::Database& db, const std::optional<int64_t>& container_id) {
  if (!container_id) return Status::Ok();
  SQLite::Statement query(db, "SELECT 1 FROM containers WHERE id = ?");
  query.bind(1, *container_id);
  if (query.executeStep()) return Status::Ok();
  return NotFoundError("no certificate store container with Id " + std::to_string(*container_id))
      .WithField("ContainerId");
}

Status StoreNotFound(std::string_view id) {
  return NotFoundError("no certificate store with Id " + std::string(id));
}

}  // namespace

std::string CertStorePasswordAad(std::string_view store_id) {
  return "certificate-store:" + std::string(store_id) + ":password";
}

const std::vector<QueryField>& CertStoreQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"Id", "s.id", QueryField::kGuid},
      {"ClientMachine", "s.client_machine", QueryField::kText},
      {"StorePath", "s.store_path", QueryField::kText},
      {"CertStoreType", "s.store_type", QueryField::kInteger},
      {"ContainerId", "s.container_id", QueryField::kInteger},
      {"ContainerName", "k.name", QueryField::kText},
      {"AgentId", "s.agent_id", QueryField::kGuid},
      {"AgentPoolId", "s.agent_pool_id", QueryField::kGuid},
      {"CreateIfMissing", "s.create_if_missing", QueryField::kInteger, {{"true", 1}, {"false", 0}}},
  };
  return kFields;
}

const std::vector<QueryField>& ContainerQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"Id", "id", QueryField::kInteger},
      {"Name", "name", QueryField::kText},
  };
  return kFields;
}

const std::vector<QueryField>& StoreTypeQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"StoreType", "store_type", QueryField::kInteger},
      {"Name", "name", QueryField::kText},
      {"ShortName", "short_name", QueryField::kText},
      {"Capability", "capability", QueryField::kText},
  };
  return kFields;
}

StatusOr<ContainerRecord> SqliteCatalogStore::AddContainer(std::string_view name) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating a container", [&]() -> StatusOr<ContainerRecord> {
    internal::WriteTransaction transaction(impl);
    SQLite::Statement taken(impl.db, "SELECT 1 FROM containers WHERE name = ?");
    taken.bind(1, std::string(name));
    if (taken.executeStep()) {
      return AlreadyExistsError("a container named '" + std::string(name) + "' already exists")
          .WithField("Name");
    }
    SQLite::Statement insert(impl.db, "INSERT INTO containers (name) VALUES (?)");
    insert.bind(1, std::string(name));
    insert.exec();
    ContainerRecord created{impl.db.getLastInsertRowid(), std::string(name)};
    transaction.commit();
    return created;
  });
}

StatusOr<ContainerRecord> SqliteCatalogStore::GetContainer(int64_t id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a container", [&]() -> StatusOr<ContainerRecord> {
    SQLite::Statement query(impl.db, "SELECT id, name FROM containers WHERE id = ?");
    query.bind(1, id);
    if (!query.executeStep()) {
      return NotFoundError("no certificate store container with Id " + std::to_string(id));
    }
    return ContainerRecord{query.getColumn(0).getInt64(), query.getColumn(1).getString()};
  });
}

StatusOr<Page<ContainerRecord>> SqliteCatalogStore::ListContainers(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing containers", [&]() -> StatusOr<Page<ContainerRecord>> {
    Page<ContainerRecord> page;
    internal::SetCount(
        page,
        internal::RunPagedSelect(
            impl, {"id, name", "containers", "id"}, paging, [&](SQLite::Statement& row) {
              page.rows.push_back({row.getColumn(0).getInt64(), row.getColumn(1).getString()});
            }));
    return page;
  });
}

Status SqliteCatalogStore::AddCertStore(const CertStoreRecord& record) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating a certificate store", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    ORCH_RETURN_IF_ERROR(CheckContainer(impl.db, record.container_id));
    SQLite::Statement insert(
        impl.db,
        "INSERT INTO certificate_stores (client_machine, store_path, store_type, container_id, "
        "agent_id, agent_pool_id, properties, create_if_missing, id, password, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    BindWritable(insert, record);
    insert.bind(9, record.id);
    BindPassword(insert, 10, record);
    insert.bind(11, jobs::ToUnixMillis(record.created_at));
    insert.exec();
    transaction.commit();
    return Status::Ok();
  });
}

Status SqliteCatalogStore::UpdateCertStore(const CertStoreRecord& record, bool replace_password) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("updating a certificate store", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    ORCH_RETURN_IF_ERROR(CheckContainer(impl.db, record.container_id));
    std::string sql =
        "UPDATE certificate_stores SET client_machine = ?, store_path = ?, store_type = ?, "
        "container_id = ?, agent_id = ?, agent_pool_id = ?, properties = ?, "
        "create_if_missing = ?";
    sql += replace_password ? ", password = ? WHERE id = ?" : " WHERE id = ?";
    SQLite::Statement update(impl.db, sql);
    BindWritable(update, record);
    if (replace_password) BindPassword(update, 9, record);
    update.bind(replace_password ? 10 : 9, jobs::AsciiLowercase(record.id));
    if (update.exec() == 0) return StoreNotFound(record.id);
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<CertStoreRecord> SqliteCatalogStore::GetCertStore(std::string_view id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a certificate store", [&]() -> StatusOr<CertStoreRecord> {
    // Every job an agent configures reads its store: the statement is kept prepared.
    internal::CachedStatement query = impl.Prepare("SELECT " + std::string(kStoreColumns) +
                                                   " FROM " + std::string(kStoreFrom) +
                                                   " WHERE s.id = ?");
    query.bind(1, jobs::AsciiLowercase(id));
    if (!query.executeStep()) return StoreNotFound(id);
    return ReadStore(query);
  });
}

StatusOr<Page<CertStoreRecord>> SqliteCatalogStore::ListCertStores(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing certificate stores", [&]() -> StatusOr<Page<CertStoreRecord>> {
    Page<CertStoreRecord> page;
    internal::SetCount(page, internal::RunPagedSelect(impl, {kStoreColumns, kStoreFrom, "s.id"},
                                                      paging, [&](SQLite::Statement& row) {
                                                        page.rows.push_back(ReadStore(row));
                                                      }));
    return page;
  });
}

Status SqliteCatalogStore::DeleteCertStore(std::string_view id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("deleting a certificate store", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    static const std::string kScheduledSql =
        "SELECT count(*) FROM jobs WHERE store_id = ? AND state = " +
        internal::SqlLiteral(kJobScheduled);
    SQLite::Statement scheduled(impl.db, kScheduledSql);
    scheduled.bind(1, jobs::AsciiLowercase(id));
    scheduled.executeStep();
    if (const int64_t count = scheduled.getColumn(0).getInt64(); count > 0) {
      return FailedPreconditionError("certificate store " + std::string(id) + " has " +
                                     std::to_string(count) +
                                     " scheduled job(s); unschedule them first");
    }
    // The store's finished and unscheduled jobs go with it (ON DELETE CASCADE).
    SQLite::Statement remove(impl.db, "DELETE FROM certificate_stores WHERE id = ?");
    remove.bind(1, jobs::AsciiLowercase(id));
    if (remove.exec() == 0) return StoreNotFound(id);
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<Page<int>> SqliteCatalogStore::ListStoreTypes(const jobs::Paging& paging) {
  // The built-in table is code, not rows; a VALUES list lets the one query path filter,
  // sort and page it like any table. Its values are bound too.
  std::string values;
  std::vector<jobs::SqlValue> params;
  for (const jobs::StoreType& type : jobs::BuiltInStoreTypes()) {
    values += values.empty() ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
    params.insert(params.end(), {int64_t{type.store_type}, std::string(type.name),
                                 std::string(type.short_name), std::string(type.capability)});
  }
  const std::string from =
      "(SELECT column1 AS store_type, column2 AS name, column3 AS "
      "short_name, column4 AS capability FROM (VALUES " +
      values + "))";
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing store types", [&]() -> StatusOr<Page<int>> {
    jobs::Paging bound = paging;
    bound.filter.params.insert(bound.filter.params.begin(), params.begin(), params.end());
    Page<int> page;
    internal::SetCount(
        page, internal::RunPagedSelect(
                  impl, {"store_type", from, "store_type"}, bound,
                  [&](SQLite::Statement& row) { page.rows.push_back(row.getColumn(0).getInt()); }));
    return page;
  });
}

StatusOr<std::vector<CertStoreFacts>> SqliteCatalogStore::ListCertStoreFacts() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("loading the catalog facts", [&]() -> StatusOr<std::vector<CertStoreFacts>> {
    std::vector<CertStoreFacts> facts;
    // Only the columns an Add checks: passwords stay on disk.
    SQLite::Statement query(impl.db,
                            "SELECT id, store_type, container_id, coalesce(agent_id, ''), "
                            "coalesce(agent_pool_id, '') FROM certificate_stores");
    while (query.executeStep()) {
      CertStoreFacts store;
      store.id = query.getColumn(0).getString();
      store.store_type = query.getColumn(1).getInt();
      if (!query.getColumn(2).isNull()) store.container_id = query.getColumn(2).getInt64();
      store.agent_id = query.getColumn(3).getString();
      store.agent_pool_id = query.getColumn(4).getString();
      facts.push_back(std::move(store));
    }
    return facts;
  });
}

}  // namespace orch::store
