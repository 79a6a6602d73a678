# mgm_gdb_autoload(target): writes <binary>-gdb.py next to the target's binary. gdb runs it when it loads the
# binary (once the build directory is trusted: add-auto-load-safe-path, docs/DEBUGGING.md) and it registers the
# pretty-printers and gdb commands of tools/gdb/mgm_printers.py from this source tree.
function(mgm_gdb_autoload target)
  file(GENERATE OUTPUT $<TARGET_FILE:${target}>-gdb.py CONTENT
"# Written by the build (tools/gdb/gdb_autoload.cmake): the harness's gdb pretty-printers for this binary.
import sys
import gdb
if '${PROJECT_SOURCE_DIR}/tools/gdb' not in sys.path:
    sys.path.insert(0, '${PROJECT_SOURCE_DIR}/tools/gdb')
import mgm_printers
mgm_printers.register(gdb.current_objfile())
")
endfunction()
