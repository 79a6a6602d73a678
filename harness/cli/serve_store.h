// Which store `mgm-sim serve` gives the EBS, and what it says about it. The simulation keeps the EbsConfig
// default (an in-memory store per World); serve defaults to a durable file, because an EBS that loses every
// acknowledged enrollment and payout on restart is not what the reference does (it keeps them in PostgreSQL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/core/settings.h"

namespace mgm::harness::cli {

// The file `serve` uses when Mgm:SqlitePath is unset or empty, relative to the working directory.
inline constexpr const char* kServeDefaultSqliteFile = "mgm-ebs.sqlite";

struct ServeStore {
    std::string sqlite_path;  // what goes into Mgm:SqlitePath (":memory:" or a file path)
    bool durable = true;  // false for ":memory:" (everything lost at exit)
    std::string description;  // the startup line's text after "store: "
    std::vector<std::string> warnings;  // printed as "mgm-sim serve: warning: ..."
};

// Reads Mgm:SqlitePath (unset/empty -> kServeDefaultSqliteFile in the working directory; ":memory:" only
// when asked for) and ConnectionStrings:PostgreSQL (the reference's key: when set, the EBS uses PostgreSQL and Mgm:SqlitePath is ignored).
ServeStore choose_serve_store(const sim::Settings& settings);

// With ConnectionStrings:PostgreSQL set, waits (real time, up to its Timeout, default 15 s) while the server
// is not yet accepting connections, as a database started next to serve (CI, compose) may be. Returns the
// error to print (naming the setting) when it never does, or when libpq cannot be loaded; nullopt when the
// server answers, when PostgreSQL is not configured, or when the string does not parse (the EBS reports that).
std::optional<std::string> wait_for_postgresql(const sim::Settings& settings);

}  // namespace mgm::harness::cli
