// A PostgreSQL database for one test: a schema of its own (Search Path) on the server that MGM_TEST_POSTGRESQL
// names (a ConnectionStrings:PostgreSQL value; scripts/ci-postgres-stage.sh sets it, on a throwaway cluster
// from scripts/pg-throwaway-cluster.sh). Schemas let cases and test processes run in parallel on one database.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "backend/store/pg_store.h"

namespace mgm::test {

// MGM_TEST_POSTGRESQL, or "" when unset.
inline std::string postgresql_test_connection() {
    const char* env = std::getenv("MGM_TEST_POSTGRESQL");
    return env ? std::string(env) : std::string();
}

struct PgSchema {
    std::string connection;  // the base connection string with Search Path = the schema
    std::string schema;
    std::string base;

    // A new empty schema; throws std::runtime_error when MGM_TEST_POSTGRESQL is unset or the server refuses.
    static std::unique_ptr<PgSchema> make() {
        static std::atomic<int> counter{0};
        auto s = std::make_unique<PgSchema>();
        s->base = postgresql_test_connection();
        if (s->base.empty()) throw std::runtime_error("MGM_TEST_POSTGRESQL is unset");
        s->schema = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
        s->admin("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + s->schema + " CASCADE; CREATE SCHEMA " + s->schema);
        s->connection = s->base + ";Search Path=" + s->schema;
        return s;
    }
    ~PgSchema() {
        try {
            admin("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (...) {}
    }

    void admin(const std::string& sql) const {
        auto settings = backend::PgConnectionSettings::parse(base);
        std::vector<const char*> k, v;
        for (auto& [key, value] : settings.libpq) {
            k.push_back(key.c_str());
            v.push_back(value.c_str());
        }
        k.push_back(nullptr);
        v.push_back(nullptr);
        PGconn* c = PQconnectdbParams(k.data(), v.data(), 0);
        std::string error;
        if (PQstatus(c) != CONNECTION_OK) error = PQerrorMessage(c);
        else {
            PGresult* r = PQexec(c, sql.c_str());
            if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
                error = PQresultErrorMessage(r);
            PQclear(r);
        }
        PQfinish(c);
        if (!error.empty()) throw std::runtime_error("postgresql test database: " + error + " in: " + sql);
    }
};

}  // namespace mgm::test
