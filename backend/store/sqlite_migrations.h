// The SQLite store's schema: its versioned migrations, and the migrated schema as a database image made when
// the project is built (backend/store/schema_image/), which every new ":memory:" store starts from.
#pragma once

#include <string>
#include <string_view>

struct sqlite3;

namespace mgm::backend {

int sqlite_migration_count();
// Brings a just-opened connection's schema to the latest version, one transaction per migration (the store
// runs it before group commit can be enabled, so plain BEGIN IMMEDIATE ... COMMIT). Throws StoreError.
void apply_sqlite_migrations(sqlite3* db);
// Every migration applied to a new in-memory database, serialized (sqlite3_serialize): the bytes of the image.
std::string migrated_sqlite_image();
// The image made at build time by the same migrations (a generated source file; a test compares it with
// migrated_sqlite_image()). Copying it in costs a fraction of running the migrations (docs/BENCHMARKS.md).
std::string_view sqlite_schema_image();

}  // namespace mgm::backend
