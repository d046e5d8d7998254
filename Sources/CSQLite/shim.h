#ifndef CAMPAIGND_CSQLITE_SHIM_H
#define CAMPAIGND_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro that casts -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
// SQLITE_STATIC: SQLite uses the caller's bytes without copying; they must outlive the step.
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }
#endif
