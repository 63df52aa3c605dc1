/*
 * password.h — which passwords lantern accepts: NIST SP 800-63B's rules.
 *
 * NIST SP 800-63B (section 5.1.1.2, and 3.1.1.2 of revision 4) asks a
 * verifier to require a minimum length, to allow long passwords and every
 * printable character including spaces and Unicode, to impose NO
 * composition rules (no "one digit, one capital, one symbol"), and to refuse
 * passwords that are commonly used, expected or compromised: words from
 * breach corpora, repetitive or sequential characters, context-specific
 * words such as the name of the service or the user name. So a password is
 * accepted when:
 *
 *   - it is valid UTF-8 with no control characters, of at most
 *     LT_PASSWORD_MAX bytes and at least LT_PASSWORD_MIN characters (code
 *     points, not bytes: "pâté" is four);
 *   - it is not, ignoring ASCII case, one of the common passwords of
 *     common_passwords.inc (49,233 from the zxcvbn-ts project's breach
 *     list; scripts/update-common-passwords regenerates it);
 *   - it is not such a password, or the name of the service ("lantern"),
 *     or the account's e-mail address or its part before the '@', with only
 *     digits, spaces and punctuation added before or after ("dragon123456",
 *     "Lantern2024!!");
 *   - it does not contain the account's e-mail address, or its part before
 *     the '@' when that is at least four characters long;
 *   - it is not one character repeated, a straight run of characters
 *     ("abcdefghijkl", "987654321098" counts: each step +1 or -1), or a
 *     shorter unit repeated when that unit is short (three characters or
 *     fewer) or itself refused ("passwordpassword").
 *
 * Not done: Unicode normalisation (NFKC) before hashing, which NIST
 * recommends; lantern has no Unicode library in the core. Browsers and
 * terminals send the composed (NFC) form in practice, and the password is
 * hashed as the bytes received.
 *
 * The checks are pure functions of their arguments: no I/O, no clock, no
 * allocation; safe from any thread.
 */
#ifndef LT_PASSWORD_H
#define LT_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/*
 * Check a new password (`len` bytes at `pw`, not necessarily
 * NUL-terminated) for the account with e-mail `email` (NULL when none).
 * LT_OK, or LT_EINVAL / LT_ETOOBIG with field "password" and a sentence
 * saying which rule it breaks, never quoting the password.
 */
lt_status lt_password_check(const char *pw, size_t len, const char *email, struct lt_error *err);

/* True when `word` (`len` bytes) is, ignoring ASCII case, one of the
 * common passwords. */
bool lt_password_is_common(const char *word, size_t len);

/* The number of common passwords compiled in. */
size_t lt_password_common_count(void);

#endif
