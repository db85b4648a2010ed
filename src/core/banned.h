/*
 * banned.h - functions stratus never calls (git banned.h, curl). Include it
 * last, after every system header, in each .c file.
 */
#ifndef STRATUS_CORE_BANNED_H
#define STRATUS_CORE_BANNED_H

#define ST_BANNED_(func) sorry_##func##_is_banned

#undef strcpy
#define strcpy(x, y) ST_BANNED_(strcpy)
#undef strcat
#define strcat(x, y) ST_BANNED_(strcat)
#undef sprintf
#define sprintf(...) ST_BANNED_(sprintf)
#undef vsprintf
#define vsprintf(...) ST_BANNED_(vsprintf)
#undef strtok
#define strtok(x, y) ST_BANNED_(strtok)
#undef gets
#define gets(x) ST_BANNED_(gets)
#undef atoi
#define atoi(x) ST_BANNED_(atoi)

#endif
