/*
 * banned.h — functions lantern's code must not call (git's banned.h).
 *
 * Include it last, after every system header, in each .c file. Each name is
 * poisoned, so a call fails to compile: use snprintf, memcpy with a checked
 * length, lt_buf (buf.h), and strtol/strtoll with end-pointer checks.
 */
#ifndef LT_BANNED_H
#define LT_BANNED_H

#pragma GCC poison sprintf vsprintf strcpy strcat strncpy strncat strtok gets atoi atol atoll

#endif
