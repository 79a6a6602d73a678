#include "backend/store/wal_batching_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <string>

namespace mgm::backend {

namespace {

constexpr std::size_t kMaxPending = 4u << 20;  // a batch larger than this goes out before it is complete
// The unix VFS masks a write's size to 17 bits (os_unix.c, seekAndWriteFd): a larger one must be split.
constexpr std::size_t kMaxWrite = 120u << 10;

// A WAL file: SQLite's handle (base) in front of the default VFS's own file object.
struct WalFile {
    sqlite3_file base;  // base.pMethods = &kWalMethods
    sqlite3_file* real = nullptr;  // the default VFS's file, in the bytes after this struct
    std::string pending;  // writes not yet passed on, contiguous from pending_offset
    sqlite3_int64 pending_offset = 0;
    bool commit_page_next = false;  // the last write was a commit frame's header: its page ends the commit
    int deferred_error = SQLITE_OK;  // a pass-on that failed where SQLite expects no result (xShmBarrier)
};

WalFile* wal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }
const sqlite3_io_methods& real_methods(WalFile* f) { return *f->real->pMethods; }

int pass_on(WalFile* f) {
    if (f->deferred_error != SQLITE_OK) {
        const int rc = f->deferred_error;
        f->deferred_error = SQLITE_OK;
        return rc;
    }
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < f->pending.size() && rc == SQLITE_OK; done += kMaxWrite) {
        const std::size_t size = std::min(kMaxWrite, f->pending.size() - done);
        rc = real_methods(f).xWrite(f->real, f->pending.data() + done, static_cast<int>(size),
                                    f->pending_offset + static_cast<sqlite3_int64>(done));
    }
    f->pending.clear();
    return rc;
}

// A WAL frame header is 24 bytes; its bytes 4..7 (big-endian) are the database size in pages for the frame
// that commits a transaction and 0 for any other frame (https://www.sqlite.org/fileformat.html#walformat).
bool is_commit_frame_header(const void* data, int amount) {
    if (amount != 24) return false;
    const auto* bytes = static_cast<const unsigned char*>(data);
    return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    WalFile* f = wal(file);
    if (!f->pending.empty() && offset != f->pending_offset + static_cast<sqlite3_int64>(f->pending.size())) {
        if (const int rc = pass_on(f); rc != SQLITE_OK) return rc;
    }
    if (f->pending.empty()) f->pending_offset = offset;
    f->pending.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
    if (f->commit_page_next) {
        f->commit_page_next = false;
        return pass_on(f);  // the transaction's last write: everything goes out before the commit returns
    }
    f->commit_page_next = is_commit_frame_header(data, amount);
    return f->pending.size() >= kMaxPending ? pass_on(f) : SQLITE_OK;
}

int wal_close(sqlite3_file* file) {
    WalFile* f = wal(file);
    const int pending_rc = pass_on(f);
    const int rc = real_methods(f).xClose(f->real);
    f->~WalFile();
    return pending_rc != SQLITE_OK ? pending_rc : rc;
}

// The other methods run the default VFS's method on its own file object, after passing pending writes on
// (pass_on_first) or directly (call: methods that neither read nor order the file's contents).
template <class Method>
struct Forward;
template <class Result, class... Args>
struct Forward<Result (*)(sqlite3_file*, Args...)> {
    template <Result (*sqlite3_io_methods::*method)(sqlite3_file*, Args...)>
    static Result call(sqlite3_file* file, Args... args) {
        return (real_methods(wal(file)).*method)(wal(file)->real, args...);
    }
    template <Result (*sqlite3_io_methods::*method)(sqlite3_file*, Args...)>
    static int pass_on_first(sqlite3_file* file, Args... args) {
        if (const int rc = pass_on(wal(file)); rc != SQLITE_OK) return rc;
        return call<method>(file, args...);
    }
};
#define MGM_PASS_ON_FIRST(name) Forward<decltype(sqlite3_io_methods::name)>::pass_on_first<&sqlite3_io_methods::name>
#define MGM_FORWARD(name) Forward<decltype(sqlite3_io_methods::name)>::call<&sqlite3_io_methods::name>

// xShmBarrier returns nothing: a failed pass-on is reported by the next call that can.
void wal_shm_barrier(sqlite3_file* file) {
    WalFile* f = wal(file);
    if (!f->pending.empty()) f->deferred_error = pass_on(f);
    real_methods(f).xShmBarrier(f->real);
}

const sqlite3_io_methods kWalMethods = {
    3,
    wal_close,
    MGM_PASS_ON_FIRST(xRead),
    wal_write,
    MGM_PASS_ON_FIRST(xTruncate),
    MGM_PASS_ON_FIRST(xSync),
    MGM_PASS_ON_FIRST(xFileSize),
    MGM_PASS_ON_FIRST(xLock),
    MGM_PASS_ON_FIRST(xUnlock),
    MGM_FORWARD(xCheckReservedLock),
    MGM_PASS_ON_FIRST(xFileControl),
    MGM_FORWARD(xSectorSize),
    MGM_FORWARD(xDeviceCharacteristics),
    MGM_PASS_ON_FIRST(xShmMap),
    MGM_PASS_ON_FIRST(xShmLock),
    wal_shm_barrier,
    MGM_PASS_ON_FIRST(xShmUnmap),
    MGM_PASS_ON_FIRST(xFetch),
    MGM_FORWARD(xUnfetch),
};
#undef MGM_PASS_ON_FIRST
#undef MGM_FORWARD

sqlite3_vfs* default_vfs(sqlite3_vfs* self) { return static_cast<sqlite3_vfs*>(self->pAppData); }

int batching_open(sqlite3_vfs* self, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    sqlite3_vfs* real = default_vfs(self);
    // Anything but a WAL file is the default VFS's file, in place (the slot is big enough for both).
    if (!(flags & SQLITE_OPEN_WAL)) return real->xOpen(real, name, file, flags, out_flags);
    auto* f = new (file) WalFile{};  // base.pMethods stays null until the open succeeded
    f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(WalFile));
    const int rc = real->xOpen(real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods) f->real->pMethods->xClose(f->real);
        f->~WalFile();
        file->pMethods = nullptr;
        return rc;
    }
    f->base.pMethods = &kWalMethods;
    return SQLITE_OK;
}

// The rest is the default VFS's.
int batching_delete(sqlite3_vfs* self, const char* name, int sync_dir) {
    return default_vfs(self)->xDelete(default_vfs(self), name, sync_dir);
}
int batching_access(sqlite3_vfs* self, const char* name, int flags, int* out) {
    return default_vfs(self)->xAccess(default_vfs(self), name, flags, out);
}
int batching_full_pathname(sqlite3_vfs* self, const char* name, int size, char* out) {
    return default_vfs(self)->xFullPathname(default_vfs(self), name, size, out);
}
void* batching_dl_open(sqlite3_vfs* self, const char* name) {
    return default_vfs(self)->xDlOpen(default_vfs(self), name);
}
void batching_dl_error(sqlite3_vfs* self, int size, char* out) {
    default_vfs(self)->xDlError(default_vfs(self), size, out);
}
void (*batching_dl_sym(sqlite3_vfs* self, void* handle, const char* symbol))(void) {
    return default_vfs(self)->xDlSym(default_vfs(self), handle, symbol);
}
void batching_dl_close(sqlite3_vfs* self, void* handle) { default_vfs(self)->xDlClose(default_vfs(self), handle); }
int batching_randomness(sqlite3_vfs* self, int size, char* out) {
    return default_vfs(self)->xRandomness(default_vfs(self), size, out);
}
int batching_sleep(sqlite3_vfs* self, int microseconds) {
    return default_vfs(self)->xSleep(default_vfs(self), microseconds);
}
int batching_current_time(sqlite3_vfs* self, double* out) {
    return default_vfs(self)->xCurrentTime(default_vfs(self), out);
}
int batching_get_last_error(sqlite3_vfs* self, int size, char* out) {
    return default_vfs(self)->xGetLastError(default_vfs(self), size, out);
}
int batching_current_time_int64(sqlite3_vfs* self, sqlite3_int64* out) {
    return default_vfs(self)->xCurrentTimeInt64(default_vfs(self), out);
}

// Built and registered once per process; SQLite keeps the pointer, and nothing changes it afterwards.
sqlite3_vfs* registered_vfs() {
    static sqlite3_vfs* const vfs = [] {
        sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
        if (real == nullptr || real->iVersion < 2) throw std::runtime_error("no default SQLite VFS");
        static sqlite3_vfs batching{};
        batching.iVersion = 2;
        batching.szOsFile = static_cast<int>(sizeof(WalFile)) + real->szOsFile;
        batching.mxPathname = real->mxPathname;
        batching.zName = "mgm-wal-batching";
        batching.pAppData = real;
        batching.xOpen = batching_open;
        batching.xDelete = batching_delete;
        batching.xAccess = batching_access;
        batching.xFullPathname = batching_full_pathname;
        batching.xDlOpen = batching_dl_open;
        batching.xDlError = batching_dl_error;
        batching.xDlSym = batching_dl_sym;
        batching.xDlClose = batching_dl_close;
        batching.xRandomness = batching_randomness;
        batching.xSleep = batching_sleep;
        batching.xCurrentTime = batching_current_time;
        batching.xGetLastError = batching_get_last_error;
        batching.xCurrentTimeInt64 = batching_current_time_int64;
        if (sqlite3_vfs_register(&batching, 0) != SQLITE_OK) throw std::runtime_error("cannot register the SQLite VFS");
        return &batching;
    }();
    return vfs;
}

}  // namespace

const char* wal_batching_vfs_name() { return registered_vfs()->zName; }

}  // namespace mgm::backend
