/* fleet-send.h: the rows of an export sent to ClickHouse by a thread of their own, so that the
 * analysis goes on while the server takes them: buffers are handed over in order, at most
 * FLEET_SEND_QUEUE of them wait, and each is one INSERT on the thread's own connection.
 */
#ifndef VX_FLEET_SEND_H
#define VX_FLEET_SEND_H

#include <stdint.h>

#include "fleet-schema.h"

#define FLEET_SEND_QUEUE 2

struct fleet_sender;

/* fleet_sender_start - a thread with a connection like @c (same server, user, database);
 * NULL with vx_error() when no thread can be started */
struct fleet_sender *fleet_sender_start(const struct ch_conn *c);
/* fleet_sender_put - hand the rows of table @t over: *@rows's buffer is taken (it is left
 * empty); waits while FLEET_SEND_QUEUE buffers wait. 0, or -1 with vx_error() when an
 * earlier insert failed (nothing more is sent then) */
int fleet_sender_put(struct fleet_sender *s, enum fleet_table_id t, struct strbuf *rows);
/* fleet_sender_finish - wait until every buffer handed over is in, stop the thread, add the
 * time spent inside the INSERT requests to *@secs and the bytes sent to *@bytes; 0, or -1
 * with vx_error() naming the insert that failed. Free with fleet_sender_free() */
int fleet_sender_finish(struct fleet_sender *s, double *secs, uint64_t *bytes);
/* fleet_sender_free - stop the thread (what still waits is not sent) and free all */
void fleet_sender_free(struct fleet_sender *s);

#endif
