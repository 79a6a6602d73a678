// A fresh SQLite database path under the system temp dir, removed (with -wal/-shm) at scope exit.
#pragma once

#include <filesystem>
#include <string>

namespace mgm::test {

struct TempDbPath {
    std::filesystem::path path;
    explicit TempDbPath(const std::string& name) : path(std::filesystem::temp_directory_path() / name) { remove_all(); }
    ~TempDbPath() { remove_all(); }
    void remove_all() const {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    }
};

}  // namespace mgm::test
