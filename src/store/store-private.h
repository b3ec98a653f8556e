/* store-private.h: what the store*.c files share and nothing else may include: the
 * SQLite connection behind a struct vx_store. Everything outside src/store*.c goes through
 * store.h and never sees sqlite3.h.
 */
#ifndef VX_STORE_PRIVATE_H
#define VX_STORE_PRIVATE_H

#include <sqlite3.h>

#include "store.h"

/* store_sqlite - the open connection of @st (owned by @st, closed by store_close()) */
sqlite3 *store_sqlite(struct vx_store *st);
/* store_path - the database file name @st was opened with, for messages */
const char *store_path(const struct vx_store *st);

#endif
