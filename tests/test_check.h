/* The check macros the C test programs share. A test counts its failures and returns
 * non-zero at the end when there were any (see test_check_exit). */
#ifndef DDAD_TESTS_TEST_CHECK_H
#define DDAD_TESTS_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;

/* EXPECT(cond): records a failure with the source line and the condition's text. */
#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                           \
        }                                                                         \
    } while (0)

/* CHECK(cond, fmt, ...): the same, with a formatted explanation. */
#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                         \
            fprintf(stderr, "\n");                                                \
            failures++;                                                           \
        }                                                                         \
    } while (0)

#endif
