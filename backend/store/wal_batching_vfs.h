// An SQLite VFS that is the platform's default one except for WAL files, whose writes are gathered while
// they continue each other and reach the kernel as one write when the frame that commits a transaction is
// complete (and before anything reads, syncs, truncates, locks or maps the file). SQLite writes every WAL
// frame as two calls (24-byte header, then the page); one group commit of N EventSub enrollments wrote ~6N
// pwrite calls, now one. Nothing is held past the end of a commit, so an acknowledged write is in the
// kernel's page cache before its answer leaves (kill -9 durability is unchanged: docs/RELIABILITY.md §4).
#pragma once

namespace mgm::backend {

// The VFS's name for sqlite3_open_v2; registered (not as the default) on the first call.
const char* wal_batching_vfs_name();

}  // namespace mgm::backend
