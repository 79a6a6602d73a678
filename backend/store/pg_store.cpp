#include "backend/store/pg_store.h"

#include <dlfcn.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <mutex>
#include <utility>

#include "backend/config.h"
#include "backend/store/record_rows.h"
#include "sim/core/crypto.h"

namespace mgm::backend {

using namespace rows;

namespace {

constexpr const char* kSetting = "ConnectionStrings:PostgreSQL (env ConnectionStrings__PostgreSQL)";

// Advisory lock keys (pg_advisory_xact_lock takes a bigint; these are "MGMwrite" and "MGMmigr" in ASCII).
constexpr std::int64_t kWriterLock = 0x4D474D7772697465;
constexpr std::int64_t kMigrationLock = 0x4D474D6D696772;

// libpq is loaded when the first PostgreSQL store opens, not linked: a program that never opens one (`mgm-sim
// run`, the simulation's tests) does not load libpq and the libraries it pulls in at every start
// (docs/BENCHMARKS.md). The header still gives the types and the functions' signatures.
#define MGM_LIBPQ_FUNCTIONS(X)                                                                                   \
    X(PQpingParams) X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQreset) X(PQexec)        \
        X(PQprepare) X(PQexecPrepared) X(PQclear) X(PQresultStatus) X(PQresultErrorMessage) X(PQntuples)       \
            X(PQnfields) X(PQcmdTuples) X(PQgetisnull) X(PQgetvalue) X(PQgetlength)

struct LibPq {
#define MGM_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
    MGM_LIBPQ_FUNCTIONS(MGM_LIBPQ_MEMBER)
#undef MGM_LIBPQ_MEMBER
};

// The loaded library, or StoreError naming the library and the setting (loaded once per process).
const LibPq& libpq_api() {
    static LibPq lib;
    static std::string error;
    static std::once_flag once;
    std::call_once(once, [] {
        void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = dlerror();
            error = std::string("the PostgreSQL client library libpq.so.5 cannot be loaded (") +
                    (why ? why : "not found") + "; Debian package libpq5), needed by " + kSetting;
            return;
        }
#define MGM_LIBPQ_LOAD(name)                                                                   \
    lib.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                      \
    if (lib.name == nullptr && error.empty()) error = std::string("libpq.so.5 has no ") + #name;
        MGM_LIBPQ_FUNCTIONS(MGM_LIBPQ_LOAD)
#undef MGM_LIBPQ_LOAD
    });
    if (!error.empty()) throw StoreError(error);
    return lib;
}

std::string lower_no_spaces(std::string_view key) {
    std::string out;
    for (char c : key)
        if (c != ' ') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

[[noreturn]] void bad_setting(const std::string& what) { throw ConfigError(std::string(kSetting) + ": " + what); }

// Splits "k=v;k='v;w';..." (DbConnectionStringBuilder syntax: values may be quoted with ' or ", a doubled
// quote inside quotes is one quote, empty segments are skipped).
std::vector<std::pair<std::string, std::string>> split_pairs(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t eq = s.find('=', i);
        const std::size_t semi = s.find(';', i);
        if (semi != std::string_view::npos && (eq == std::string_view::npos || semi < eq)) {
            if (!trim(s.substr(i, semi - i)).empty()) bad_setting("'" + trim(s.substr(i, semi - i)) + "' has no '='");
            i = semi + 1;
            continue;
        }
        if (eq == std::string_view::npos) {
            if (!trim(s.substr(i)).empty()) bad_setting("'" + trim(s.substr(i)) + "' has no '='");
            break;
        }
        std::string key = trim(s.substr(i, eq - i));
        if (key.empty()) bad_setting("a value without a key");
        i = eq + 1;
        while (i < s.size() && s[i] == ' ') ++i;
        std::string value;
        if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
            const char quote = s[i++];
            for (;;) {
                if (i >= s.size()) bad_setting("unterminated quote in the value of " + key);
                if (s[i] == quote) {
                    if (i + 1 < s.size() && s[i + 1] == quote) {
                        value.push_back(quote);
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                value.push_back(s[i++]);
            }
            while (i < s.size() && s[i] == ' ') ++i;
            if (i < s.size() && s[i] != ';') bad_setting("text after the quoted value of " + key);
            if (i < s.size()) ++i;
        } else {
            const std::size_t end = s.find(';', i);
            value = trim(s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
            i = end == std::string_view::npos ? s.size() : end + 1;
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

int parse_int(const std::string& key, const std::string& value, int min) {
    int v = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v < min)
        bad_setting(key + "='" + value + "' is not an integer >= " + std::to_string(min));
    return v;
}

bool parse_bool(const std::string& key, const std::string& value) {
    const std::string v = lower_no_spaces(value);
    if (v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    bad_setting(key + "='" + value + "' is not true or false");
}

}  // namespace

std::string PgConnectionSettings::host_port() const {
    std::string host = "localhost", port = "5432";
    for (const auto& [k, v] : libpq) {
        if (k == "host") host = v;
        if (k == "port") port = v;
    }
    return host + ":" + port;
}

PgConnectionSettings PgConnectionSettings::parse(std::string_view connection_string) {
    PgConnectionSettings out;
    std::string options;  // libpq "options": server settings sent at connection start
    auto set = [&](const char* keyword, std::string value) {
        for (auto& kv : out.libpq)
            if (kv.first == keyword) {
                kv.second = std::move(value);
                return;
            }
        out.libpq.emplace_back(keyword, std::move(value));
    };
    int connect_timeout = 15;
    for (auto& [key, value] : split_pairs(connection_string)) {
        const std::string k = lower_no_spaces(key);
        out.redacted += key + "=" + (k == "password" || k == "pwd" || k == "psw" ? "***" : value) + ";";
        if (k == "host" || k == "server") set("host", value);
        else if (k == "port") set("port", std::to_string(parse_int(key, value, 1)));
        else if (k == "database" || k == "db") set("dbname", value);
        else if (k == "username" || k == "userid" || k == "username" || k == "user" || k == "uid") set("user", value);
        else if (k == "password" || k == "pwd" || k == "psw") set("password", value);
        else if (k == "timeout") connect_timeout = parse_int(key, value, 0);
        else if (k == "commandtimeout") {
            const int seconds = parse_int(key, value, 0);
            options += " -c statement_timeout=" + std::to_string(seconds * 1000);
        } else if (k == "applicationname") set("application_name", value);
        else if (k == "searchpath") options += " -c search_path=" + value;
        else if (k == "sslmode") {
            const std::string v = lower_no_spaces(value);
            static const std::pair<const char*, const char*> modes[] = {
                {"disable", "disable"},     {"allow", "allow"},
                {"prefer", "prefer"},       {"require", "require"},
                {"verifyca", "verify-ca"},  {"verifyfull", "verify-full"},
                {"verify-ca", "verify-ca"}, {"verify-full", "verify-full"}};
            const auto* m = std::find_if(std::begin(modes), std::end(modes), [&](auto& p) { return v == p.first; });
            if (m == std::end(modes))
                bad_setting(key + "='" + value +
                            "' is not one of Disable, Allow, Prefer, Require, VerifyCA, VerifyFull");
            set("sslmode", m->second);
        } else if (k == "rootcertificate") set("sslrootcert", value);
        else if (k == "sslcertificate") set("sslcert", value);
        else if (k == "sslkey") set("sslkey", value);
        else if (k == "sslpassword") set("sslpassword", value);
        else if (k == "keepalive") set("keepalives_idle", std::to_string(parse_int(key, value, 0)));
        else if (k == "tcpkeepalive") set("keepalives", parse_bool(key, value) ? "1" : "0");
        else if (k == "targetsessionattributes") set("target_session_attrs", lower_no_spaces(value));
        // Accepted for compatibility, no effect here: the EBS holds one connection per process (no pool), and
        // certificate trust is libpq's sslmode.
        else if (k == "pooling" || k == "includeerrordetail" || k == "trustservercertificate" || k == "enlist")
            (void)parse_bool(key, value);
        else if (k == "minimumpoolsize" || k == "minpoolsize" || k == "maximumpoolsize" || k == "maxpoolsize" ||
                 k == "connectionidlelifetime" || k == "connectionlifetime" || k == "connectionpruninginterval" ||
                 k == "maxautoprepare" || k == "autoprepareminusages" || k == "readbuffersize" ||
                 k == "writebuffersize")
            (void)parse_int(key, value, 0);
        else
            bad_setting("unknown key '" + key +
                        "' (known: Host, Port, Database, Username/User ID, Password, Timeout, Command Timeout, "
                        "Application Name, Search Path, SSL Mode, Root Certificate, SSL Certificate, SSL Key, "
                        "SSL Password, Keepalive, Tcp Keepalive, Target Session Attributes, Pooling, Minimum/Maximum "
                        "Pool Size, Connection Idle Lifetime, Connection Lifetime, Include Error Detail, Trust Server "
                        "Certificate)");
    }
    bool has_host = false;
    for (const auto& kv : out.libpq) has_host = has_host || kv.first == "host";
    if (!has_host) bad_setting("Host is required");
    if (!options.empty()) set("options", options.substr(1));
    // One connection attempt waits at most Timeout (libpq: 0 = forever, so at least 1 s); the startup wait as a
    // whole also ends after Timeout.
    set("connect_timeout", std::to_string(std::max(1, connect_timeout)));
    out.startup_wait_seconds = connect_timeout;
    if (!out.redacted.empty()) out.redacted.pop_back();
    return out;
}

// ---------------------------------------------------------------------------------------------------

namespace {

// PostgreSQL text cannot hold a NUL byte (and libpq's parameters end at one), but the EBS's strings may
// (a JWT user id "u\0x" is a different viewer from "u\0y", as in SQLite). Text goes in escaped: \x01 -> \x01\x02,
// \0 -> \x01\x01. The mapping is one to one, so equality in SQL is equality of the original strings.
constexpr char kEscape = '\x01';

bool needs_escape(std::string_view s) { return s.find_first_of(std::string_view("\0\x01", 2)) != std::string_view::npos; }

std::string escape_text(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        if (c == '\0' || c == kEscape) {
            out.push_back(kEscape);
            out.push_back(c == '\0' ? '\x01' : '\x02');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string unescape_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == kEscape && i + 1 < s.size()) out.push_back(s[++i] == '\x01' ? '\0' : kEscape);
        else out.push_back(s[i]);
    }
    return out;
}

}  // namespace

struct PgStore::Params {
    std::vector<std::string> values;
    std::vector<bool> is_null;

    void add(std::string_view v) {
        if (needs_escape(v)) values.push_back(escape_text(v));
        else values.emplace_back(v);
        is_null.push_back(false);
    }
    void add(const std::string& v) { add(std::string_view(v)); }
    void add(const char* v) { add(std::string_view(v)); }
    void add(std::int64_t v) { add(std::string_view(std::to_string(v))); }
    void add(int v) { add(static_cast<std::int64_t>(v)); }
    void add(bool v) { add(std::string_view(v ? "1" : "0")); }
    void add(sim::Instant t) { add(t.ticks); }
    void add(const sim::Uuid& id) { add(id.str()); }
    void add(std::nullopt_t) {
        values.emplace_back();
        is_null.push_back(true);
    }
    template <class T>
    void add(const std::optional<T>& v) {
        if (v) add(*v);
        else add(std::nullopt);
    }
    template <class... Args>
    Params& bind(const Args&... args) {
        (add(args), ...);
        return *this;
    }
};

class PgStore::Result {
public:
    explicit Result(PGresult* r) : r_(r) {}
    Result(Result&& o) noexcept : r_(std::exchange(o.r_, nullptr)), row_(o.row_) {}
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    ~Result() { libpq_api().PQclear(r_); }

    int rows() const { return libpq_api().PQntuples(r_); }
    int affected() const {
        const char* n = libpq_api().PQcmdTuples(r_);
        return n && *n ? std::atoi(n) : 0;
    }
    // Row cursor, as the SQLite statement's step(): the accessors read the current row.
    bool step() { return ++row_ < rows(); }
    void at(int row) { row_ = row; }

    bool is_null(int col) const { return libpq_api().PQgetisnull(r_, row_, col) != 0; }
    std::string text(int col) const {
        const std::string_view raw(libpq_api().PQgetvalue(r_, row_, col),
                                   static_cast<std::size_t>(libpq_api().PQgetlength(r_, row_, col)));
        return raw.find(kEscape) == std::string_view::npos ? std::string(raw) : unescape_text(raw);
    }
    std::int64_t integer(int col) const {
        const char* p = libpq_api().PQgetvalue(r_, row_, col);
        std::int64_t v = 0;
        std::from_chars(p, p + libpq_api().PQgetlength(r_, row_, col), v);
        return v;
    }
    sim::Instant instant(int col) const { return sim::Instant{integer(col)}; }
    sim::Uuid uuid(int col) const {
        auto id = sim::Uuid::parse_hyphenated(text(col));
        if (!id) throw StoreError("stored uuid is malformed: " + text(col));
        return *id;
    }
    std::optional<std::string> opt_text(int col) const {
        return is_null(col) ? std::nullopt : std::optional(text(col));
    }
    std::optional<sim::Instant> opt_instant(int col) const {
        return is_null(col) ? std::nullopt : std::optional(instant(col));
    }
    std::optional<sim::Uuid> opt_uuid(int col) const { return is_null(col) ? std::nullopt : std::optional(uuid(col)); }
    int columns() const { return libpq_api().PQnfields(r_); }

private:
    PGresult* r_;
    int row_ = -1;
};

namespace {

template <class Reader>
auto collect(PgStore::Result& r, Reader read) {
    std::vector<decltype(read(r))> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    while (r.step()) out.push_back(read(r));
    return out;
}

template <class Reader>
auto first(PgStore::Result& r, Reader read) -> std::optional<decltype(read(r))> {
    if (!r.step()) return std::nullopt;
    return read(r);
}

// Each entry is one schema version; never edit an applied entry, append a new one. Times are bigint ticks.
const char* const kMigrations[] = {
    // 1: everything the SQLite store has after its migration 3.
    R"sql(
    CREATE TABLE pool_member(
        seq bigserial PRIMARY KEY,
        twitch_user_id text NOT NULL UNIQUE,
        display_name text NOT NULL,
        character_name text NOT NULL);
    CREATE INDEX pool_member_name ON pool_member(character_name);
    CREATE TABLE spin_state(
        id integer PRIMARY KEY CHECK (id = 1),
        cycle_start bigint NOT NULL,
        spin_cycle_id text NOT NULL,
        candidate_twitch_user_id text,
        candidate_character_name text,
        candidate_display_name text,
        candidate_selected_at bigint,
        verification_deadline bigint NOT NULL,
        payout_created_for_cycle integer NOT NULL,
        pool_was_empty_at_cycle_start integer NOT NULL);
    CREATE TABLE payout(
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        twitch_user_id text NOT NULL,
        display_name text NOT NULL,
        character_name text NOT NULL,
        gold_amount bigint NOT NULL,
        enrollment_request_id text NOT NULL,
        status integer NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint,
        winner_accepted_at bigint,
        announced integer NOT NULL,
        spin_cycle_id text);
    CREATE INDEX payout_user_status ON payout(twitch_user_id, status);
    CREATE INDEX payout_status_created ON payout(status, created_at);
    CREATE TABLE enrollment_idempotency(
        id text PRIMARY KEY,
        twitch_user_id text NOT NULL,
        display_name text NOT NULL,
        character_name text NOT NULL,
        enrolled_at bigint NOT NULL);
    CREATE TABLE chat_dedup(
        message_id text PRIMARY KEY,
        processed_at bigint NOT NULL);
    CREATE TABLE gift_request(
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        streamer_id text NOT NULL,
        viewer_id text NOT NULL,
        viewer_display_name text NOT NULL,
        character_name text NOT NULL,
        state integer NOT NULL,
        has_item integer NOT NULL,
        item_name text, item_id bigint, item_count bigint, item_link text, item_texture text,
        item_bag_id bigint, item_slot_id bigint,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        timeout_at bigint,
        failure_reason text);
    CREATE INDEX gift_request_streamer_state ON gift_request(streamer_id, state);
    CREATE TABLE gift_usage(
        id text PRIMARY KEY,
        streamer_id text NOT NULL,
        viewer_id text NOT NULL,
        completed_at bigint NOT NULL,
        gift_request_id text NOT NULL);
    CREATE TABLE event(
        seq bigserial PRIMARY KEY,
        stream_id text NOT NULL,
        version bigint NOT NULL,
        type text NOT NULL,
        data text NOT NULL,
        ts bigint NOT NULL,
        UNIQUE(stream_id, version));
    )sql",
};

// Every data table, in the order clear_all_data and content_digest visit them.
constexpr const char* kTables[] = {
    "chat_dedup", "enrollment_idempotency", "event", "gift_request", "gift_usage", "payout", "pool_member",
    "spin_state"};

// libpq's keyword/value arrays (null-terminated) over the parsed settings.
struct Keywords {
    explicit Keywords(const PgConnectionSettings& settings) {
        for (const auto& [k, v] : settings.libpq) {
            keys.push_back(k.c_str());
            values.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
    }
    std::vector<const char*> keys, values;
};

}  // namespace

bool PgConnectionSettings::server_accepting_connections() const {
    // PQping tells "not up yet" (no response, or rejecting while it starts) from "up" (even if it will refuse
    // us: a bad password or database is reported by the connection attempt, at once).
    Keywords kw(*this);
    const PGPing ping = libpq_api().PQpingParams(kw.keys.data(), kw.values.data(), 0);
    return ping != PQPING_NO_RESPONSE && ping != PQPING_REJECT;
}

std::string PgConnectionSettings::not_accepting_message() const {
    return "PostgreSQL at " + host_port() + " is not accepting connections after " +
           std::to_string(startup_wait_seconds) + " s (" + kSetting + " = \"" + redacted +
           "\"; the wait is its Timeout)";
}

PgStore::PgStore(const PgConnectionSettings& settings, PgStoreOptions options)
    : redacted_(settings.redacted), writer_lock_(options.writer_lock) {
    Keywords kw(settings);
    conn_ = libpq_api().PQconnectdbParams(kw.keys.data(), kw.values.data(), 0);
    if (conn_ == nullptr || libpq_api().PQstatus(conn_) != CONNECTION_OK) {
        std::string message = conn_ ? trim(libpq_api().PQerrorMessage(conn_)) : "out of memory";
        libpq_api().PQfinish(conn_);
        conn_ = nullptr;
        throw StoreError("cannot connect to PostgreSQL at " + settings.host_port() + ": " + message + " (" + kSetting +
                         " = \"" + redacted_ + "\")");
    }
    try {
        exec_simple("SET client_min_messages = warning");
        migrate();
    } catch (...) {
        libpq_api().PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

PgStore::~PgStore() {
    try {
        commit_batch();
    } catch (const StoreError&) {}
    if (conn_ != nullptr) libpq_api().PQfinish(conn_);
}

namespace {

// Takes ownership of r; throws StoreError (the server's message and the SQL) unless it succeeded.
PGresult* checked(PGresult* r, pg_conn* conn, std::string_view text) {
    const ExecStatusType status = r ? libpq_api().PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
    std::string message = trim(r ? libpq_api().PQresultErrorMessage(r) : libpq_api().PQerrorMessage(conn));
    libpq_api().PQclear(r);
    throw StoreError("postgresql: " + message + " in: " + std::string(text.substr(0, 200)));
}

}  // namespace

void PgStore::exec_simple(const char* text) const { Result r(checked(libpq_api().PQexec(conn_, text), conn_, text)); }

PgStore::Result PgStore::execute(std::string_view text, const Params& params) const {
    auto found = prepared_.find(text);
    if (found == prepared_.end()) {
        std::string name = "s" + std::to_string(prepared_.size());
        Result prep(checked(libpq_api().PQprepare(conn_, name.c_str(), std::string(text).c_str(), 0, nullptr), conn_, text));
        found = prepared_.emplace(std::string(text), std::move(name)).first;
    }
    std::vector<const char*> values(params.values.size());
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = params.is_null[i] ? nullptr : params.values[i].c_str();
    return Result(checked(libpq_api().PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()), values.data(),
                                         nullptr, nullptr, 0),
                          conn_, text));
}

template <class... Args>
PgStore::Result PgStore::run(std::string_view text, const Args&... args) const {
    Params params;
    params.bind(args...);
    return execute(text, params);
}

int PgStore::latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

void PgStore::migrate() {
    // One transaction for every pending migration (PostgreSQL's DDL is transactional), under a lock so that
    // processes starting together do not both apply them.
    exec_simple("BEGIN");
    try {
        exec_simple(("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")").c_str());
        exec_simple("CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY)");
        const int current = schema_version();
        for (int v = current + 1; v <= latest_schema_version(); ++v) {
            exec_simple(kMigrations[v - 1]);
            run("INSERT INTO schema_version(version) VALUES ($1)", v);
        }
        exec_simple("COMMIT");
    } catch (...) {
        libpq_api().PQclear(libpq_api().PQexec(conn_, "ROLLBACK"));
        throw;
    }
}

int PgStore::schema_version() const {
    auto r = run("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    r.step();
    return static_cast<int>(r.integer(0));
}

void PgStore::clear_all_data() {
    if (transaction_depth_ > 0 || batch_open_) throw StoreError("clear_all_data inside a transaction");
    std::string text = "TRUNCATE ";
    for (const char* table : kTables) text += std::string(table) + ", ";
    text.resize(text.size() - 2);
    exec_simple((text + " RESTART IDENTITY").c_str());
}

std::string PgStore::content_digest() const {
    std::string rows_text;
    for (const char* table : kTables) {
        rows_text += std::string("table ") + table + "\n";
        auto r = run(std::string("SELECT * FROM ") + table + " ORDER BY 1");
        while (r.step()) {
            for (int col = 0; col < r.columns(); ++col)
                rows_text += (r.is_null(col) ? "null" : "v:" + r.text(col)) + '\x1f';
            rows_text += '\n';
        }
    }
    return sim::crypto::to_hex_lower(sim::crypto::sha256(rows_text));
}

// --- transactions ---

void PgStore::begin_write_transaction() {
    if (libpq_api().PQstatus(conn_) != CONNECTION_OK) {
        // The server restarted or the connection dropped: reconnect once; its prepared statements are gone.
        libpq_api().PQreset(conn_);
        prepared_.clear();
        if (libpq_api().PQstatus(conn_) != CONNECTION_OK)
            throw StoreError("lost the PostgreSQL connection: " + trim(libpq_api().PQerrorMessage(conn_)) + " (" + kSetting + ")");
    }
    exec_simple("BEGIN");
    try {
        if (writer_lock_) run("SELECT pg_advisory_xact_lock($1)", static_cast<std::int64_t>(kWriterLock));
    } catch (...) {
        libpq_api().PQclear(libpq_api().PQexec(conn_, "ROLLBACK"));
        throw;
    }
}

void PgStore::transaction(const std::function<void()>& fn) {
    if (transaction_depth_ > 0) {  // join the outer transaction
        fn();
        return;
    }
    const bool batched = static_cast<bool>(on_batch_opened_);
    if (batched && !batch_open_) {
        begin_write_transaction();
        batch_open_ = true;
        on_batch_opened_();
    }
    if (batched) exec_simple("SAVEPOINT unit");
    else begin_write_transaction();
    transaction_depth_ = 1;
    try {
        fn();
        transaction_depth_ = 0;
        exec_simple(batched ? "RELEASE SAVEPOINT unit" : "COMMIT");
    } catch (...) {
        transaction_depth_ = 0;
        libpq_api().PQclear(libpq_api().PQexec(conn_, batched ? "ROLLBACK TO SAVEPOINT unit; RELEASE SAVEPOINT unit" : "ROLLBACK"));
        throw;
    }
}

void PgStore::enable_group_commit(std::function<void()> on_batch_opened) {
    on_batch_opened_ = std::move(on_batch_opened);
}

void PgStore::commit_batch() {
    if (!batch_open_) return;
    batch_open_ = false;
    try {
        exec_simple("COMMIT");
    } catch (...) {
        libpq_api().PQclear(libpq_api().PQexec(conn_, "ROLLBACK"));
        throw;
    }
}

// --- pool ---

std::vector<PoolMember> PgStore::list_pool() const {
    auto r = run(sql({"SELECT ", kPoolColumns, " FROM pool_member ORDER BY seq"}));
    return collect(r, read_pool_member<Result>);
}

std::int64_t PgStore::pool_size() const {
    auto r = run("SELECT COUNT(*) FROM pool_member");
    r.step();
    return r.integer(0);
}

std::optional<PoolMember> PgStore::pool_member_at(std::int64_t index) const {
    if (index < 0) return std::nullopt;
    auto r = run(sql({"SELECT ", kPoolColumns, " FROM pool_member ORDER BY seq LIMIT 1 OFFSET $1"}), index);
    return first(r, read_pool_member<Result>);
}

std::optional<PoolMember> PgStore::find_pool_member(std::string_view user) const {
    auto r = run(sql({"SELECT ", kPoolColumns, " FROM pool_member WHERE twitch_user_id = $1"}), user);
    return first(r, read_pool_member<Result>);
}

bool PgStore::character_name_taken_by_other(std::string_view name, std::string_view user) const {
    return run("SELECT 1 FROM pool_member WHERE character_name = $1 AND twitch_user_id <> $2 LIMIT 1", name, user)
               .rows() > 0;
}

int PgStore::remove_pool_member(std::string_view user) {
    return run("DELETE FROM pool_member WHERE twitch_user_id = $1", user).affected();
}

void PgStore::append_pool_member(const PoolMember& m) {
    run("INSERT INTO pool_member(twitch_user_id, display_name, character_name) VALUES ($1, $2, $3)", m.twitch_user_id,
        m.twitch_display_name, m.character_name);
}

// --- spin ---

std::optional<SpinState> PgStore::load_spin() const {
    auto r = run(sql({"SELECT ", kSpinColumns, " FROM spin_state WHERE id = 1"}));
    return first(r, read_spin<Result>);
}

void PgStore::save_spin(const SpinState& s) {
    Params p;
    bind_spin(p, s);
    execute(sql({"INSERT INTO spin_state(id, ", kSpinColumns,
                 ") VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET "
                 "cycle_start = EXCLUDED.cycle_start, spin_cycle_id = EXCLUDED.spin_cycle_id, "
                 "candidate_twitch_user_id = EXCLUDED.candidate_twitch_user_id, "
                 "candidate_character_name = EXCLUDED.candidate_character_name, "
                 "candidate_display_name = EXCLUDED.candidate_display_name, "
                 "candidate_selected_at = EXCLUDED.candidate_selected_at, "
                 "verification_deadline = EXCLUDED.verification_deadline, "
                 "payout_created_for_cycle = EXCLUDED.payout_created_for_cycle, "
                 "pool_was_empty_at_cycle_start = EXCLUDED.pool_was_empty_at_cycle_start"}),
            p);
}

// --- payouts ---

void PgStore::insert_payout(const Payout& payout) {
    Params p;
    p.bind(payout.id);
    bind_payout_fields(p, payout);
    execute(
        sql({"INSERT INTO payout(", kPayoutColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"}),
        p);
}

void PgStore::update_payout(const Payout& payout) {
    Params p;
    bind_payout_fields(p, payout);
    p.bind(payout.id);
    const auto r = execute(
        "UPDATE payout SET twitch_user_id = $1, display_name = $2, character_name = $3, gold_amount = $4, "
        "enrollment_request_id = $5, status = $6, created_at = $7, updated_at = $8, winner_accepted_at = $9, "
        "announced = $10, spin_cycle_id = $11 WHERE id = $12",
        p);
    if (r.affected() != 1) throw StoreError("update_payout: no payout " + payout.id.str());
}

std::optional<Payout> PgStore::find_payout(const sim::Uuid& id) const {
    auto r = run(sql({"SELECT ", kPayoutColumns, " FROM payout WHERE id = $1"}), id);
    return first(r, read_payout<Result>);
}

std::vector<Payout> PgStore::list_payouts() const {
    auto r = run(sql({"SELECT ", kPayoutColumns, " FROM payout ORDER BY created_at, seq"}));
    return collect(r, read_payout<Result>);
}

std::vector<Payout> PgStore::list_payouts_with_status(PayoutStatus status) const {
    auto r = run(sql({"SELECT ", kPayoutColumns, " FROM payout WHERE status = $1 ORDER BY created_at, seq"}),
                 status_int(status));
    return collect(r, read_payout<Result>);
}

std::optional<Payout> PgStore::latest_payout_for_user(std::string_view user) const {
    auto r = run(sql({"SELECT ", kPayoutColumns,
                      " FROM payout WHERE twitch_user_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1"}),
                 user);
    return first(r, read_payout<Result>);
}

std::optional<Payout> PgStore::latest_pending_payout_for_user(std::string_view user) const {
    auto r =
        run(sql({"SELECT ", kPayoutColumns,
                 " FROM payout WHERE twitch_user_id = $1 AND status = $2 ORDER BY created_at DESC, seq DESC LIMIT 1"}),
            user, status_int(PayoutStatus::Pending));
    return first(r, read_payout<Result>);
}

bool PgStore::has_active_payout(std::string_view user) const {
    return run("SELECT 1 FROM payout WHERE twitch_user_id = $1 AND status IN ($2, $3) LIMIT 1", user,
               status_int(PayoutStatus::Pending), status_int(PayoutStatus::InProgress))
               .rows() > 0;
}

std::int64_t PgStore::sent_gold_sum(std::string_view user) const {
    auto r = run("SELECT COALESCE(SUM(gold_amount), 0) FROM payout WHERE twitch_user_id = $1 AND status = $2", user,
                 status_int(PayoutStatus::Sent));
    r.step();
    return r.integer(0);
}

std::vector<Payout> PgStore::active_payouts_created_before(sim::Instant cutoff) const {
    auto r = run(sql({"SELECT ", kPayoutColumns,
                      " FROM payout WHERE status IN ($1, $2) AND created_at < $3 ORDER BY created_at, seq"}),
                 status_int(PayoutStatus::Pending), status_int(PayoutStatus::InProgress), cutoff);
    return collect(r, read_payout<Result>);
}

// --- claim idempotency ---

std::optional<EnrollmentRecord> PgStore::find_enrollment(std::string_view id) const {
    auto r = run(sql({"SELECT ", kEnrollmentColumns, " FROM enrollment_idempotency WHERE id = $1"}), id);
    return first(r, read_enrollment<Result>);
}

void PgStore::insert_enrollment(const EnrollmentRecord& e) {
    run(sql({"INSERT INTO enrollment_idempotency(", kEnrollmentColumns, ") VALUES ($1, $2, $3, $4, $5)"}),
        e.enrollment_request_id, e.twitch_user_id, e.twitch_display_name, e.character_name, e.enrolled_at);
}

// --- chat dedup ---

bool PgStore::has_chat_dedup(std::string_view message_id) const {
    return run("SELECT 1 FROM chat_dedup WHERE message_id = $1", message_id).rows() > 0;
}

void PgStore::insert_chat_dedup(std::string_view message_id, sim::Instant at) {
    run("INSERT INTO chat_dedup(message_id, processed_at) VALUES ($1, $2) "
        "ON CONFLICT (message_id) DO UPDATE SET processed_at = EXCLUDED.processed_at",
        message_id, at);
}

std::int64_t PgStore::chat_dedup_count() const {
    auto r = run("SELECT COUNT(*) FROM chat_dedup");
    r.step();
    return r.integer(0);
}

// --- gifts ---

void PgStore::insert_gift(const GiftRequest& g) {
    Params p;
    p.bind(g.id);
    bind_gift_fields(p, g);
    execute(sql({"INSERT INTO gift_request(", kGiftColumns,
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"}),
            p);
}

void PgStore::update_gift(const GiftRequest& g) {
    Params p;
    bind_gift_fields(p, g);
    p.bind(g.id);
    const auto r = execute(
        "UPDATE gift_request SET streamer_id = $1, viewer_id = $2, viewer_display_name = $3, character_name = $4, "
        "state = $5, has_item = $6, item_name = $7, item_id = $8, item_count = $9, item_link = $10, item_texture = "
        "$11, "
        "item_bag_id = $12, item_slot_id = $13, created_at = $14, updated_at = $15, timeout_at = $16, "
        "failure_reason = $17 WHERE id = $18",
        p);
    if (r.affected() != 1) throw StoreError("update_gift: no gift request " + g.id.str());
}

std::optional<GiftRequest> PgStore::find_gift(const sim::Uuid& id) const {
    auto r = run(sql({"SELECT ", kGiftColumns, " FROM gift_request WHERE id = $1"}), id);
    return first(r, read_gift<Result>);
}

std::vector<GiftRequest> PgStore::list_gifts() const {
    auto r = run(sql({"SELECT ", kGiftColumns, " FROM gift_request ORDER BY created_at, seq"}));
    return collect(r, read_gift<Result>);
}

std::vector<GiftRequest> PgStore::list_open_gifts(const std::optional<std::string>& streamer_id) const {
    const int completed = state_int(GiftRequestState::Completed);
    const int failed = state_int(GiftRequestState::Failed);
    if (streamer_id) {
        auto r =
            run(sql({"SELECT ", kGiftColumns,
                     " FROM gift_request WHERE state NOT IN ($1, $2) AND streamer_id = $3 ORDER BY created_at, seq"}),
                completed, failed, *streamer_id);
        return collect(r, read_gift<Result>);
    }
    auto r =
        run(sql({"SELECT ", kGiftColumns, " FROM gift_request WHERE state NOT IN ($1, $2) ORDER BY created_at, seq"}),
            completed, failed);
    return collect(r, read_gift<Result>);
}

bool PgStore::has_active_gift(std::string_view streamer, std::string_view viewer) const {
    return run("SELECT 1 FROM gift_request WHERE streamer_id = $1 AND viewer_id = $2 AND state IN ($3, $4, $5, $6) "
               "LIMIT 1",
               streamer, viewer, state_int(GiftRequestState::Pending), state_int(GiftRequestState::SelectingItem),
               state_int(GiftRequestState::ItemSelected), state_int(GiftRequestState::WaitingConfirmation))
               .rows() > 0;
}

bool PgStore::has_gift_in_promotion(std::string_view streamer) const {
    return run("SELECT 1 FROM gift_request WHERE streamer_id = $1 AND state IN ($2, $3) LIMIT 1", streamer,
               state_int(GiftRequestState::SelectingItem), state_int(GiftRequestState::WaitingConfirmation))
               .rows() > 0;
}

std::optional<GiftRequest> PgStore::oldest_pending_gift(std::string_view streamer) const {
    auto r = run(sql({"SELECT ", kGiftColumns,
                      " FROM gift_request WHERE streamer_id = $1 AND state = $2 ORDER BY created_at, seq LIMIT 1"}),
                 streamer, state_int(GiftRequestState::Pending));
    return first(r, read_gift<Result>);
}

std::vector<GiftRequest> PgStore::gifts_timed_out(sim::Instant now) const {
    auto r = run(sql({"SELECT ", kGiftColumns,
                      " FROM gift_request WHERE state IN ($1, $2) AND timeout_at IS NOT NULL AND timeout_at < $3 "
                      "ORDER BY created_at, seq"}),
                 state_int(GiftRequestState::SelectingItem), state_int(GiftRequestState::WaitingConfirmation), now);
    return collect(r, read_gift<Result>);
}

std::optional<GiftUsage> PgStore::find_gift_usage(std::string_view id) const {
    auto r = run(sql({"SELECT ", kGiftUsageColumns, " FROM gift_usage WHERE id = $1"}), id);
    return first(r, read_gift_usage<Result>);
}

void PgStore::upsert_gift_usage(const GiftUsage& u) {
    run(sql({"INSERT INTO gift_usage(", kGiftUsageColumns,
             ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET streamer_id = EXCLUDED.streamer_id, "
             "viewer_id = EXCLUDED.viewer_id, completed_at = EXCLUDED.completed_at, "
             "gift_request_id = EXCLUDED.gift_request_id"}),
        u.id, u.streamer_id, u.viewer_id, u.completed_at, u.gift_request_id);
}

// --- audit events ---

void PgStore::append_event(std::string_view stream_id, std::string_view type, std::string data_json, sim::Instant at) {
    run("INSERT INTO event(stream_id, version, type, data, ts) "
        "VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM event WHERE stream_id = $1), $2, $3, $4)",
        stream_id, type, data_json, at);
}

std::vector<AuditEvent> PgStore::list_events() const {
    auto r = run(sql({"SELECT ", kEventColumns, " FROM event ORDER BY seq"}));
    return collect(r, read_event<Result>);
}

std::vector<AuditEvent> PgStore::list_events(std::string_view stream_id) const {
    auto r = run(sql({"SELECT ", kEventColumns, " FROM event WHERE stream_id = $1 ORDER BY version"}), stream_id);
    return collect(r, read_event<Result>);
}

}  // namespace mgm::backend
