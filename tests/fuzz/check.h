// Invariant checks of the fuzz targets. A broken invariant aborts, so libFuzzer keeps the
// input as a crash artifact and the run fails, exactly as for a sanitizer report; the
// message says which invariant broke, since the stack alone cannot.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                              \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            std::fprintf(stderr, "\nINVARIANT VIOLATED (%s:%d): %s\n  ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                             \
            std::fprintf(stderr, "\n");                                                    \
            std::abort();                                                                  \
        }                                                                                  \
    } while (0)
