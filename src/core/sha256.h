/* sha256.h: SHA-256 (FIPS 180-4) of a byte string, for the Content-Security-Policy hashes of
 * the HTML pages' own inline script and style ('sha256-BASE64').
 * Must not: allocate except through the strbuf it is given.
 */
#ifndef VX_SHA256_H
#define VX_SHA256_H

#include <stddef.h>

#include "strbuf.h"

/* vx_sha256 - the 32-byte digest of the @len bytes at @data into @out */
void vx_sha256(const void *data, size_t len, unsigned char out[32]);

/* vx_csp_hash - append the CSP source expression 'sha256-BASE64' of the @len bytes at @data
 * (the exact text between <script> and </script>) to @sb */
void vx_csp_hash(struct strbuf *sb, const void *data, size_t len);

#endif
