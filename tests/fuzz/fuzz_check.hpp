// The one assertion of the fuzz targets: print what broke and abort, so
// libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(condition, detail)                                                      \
    do {                                                                                   \
        if (!(condition)) {                                                                \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, \
                         #condition, std::string(detail).c_str());                         \
            std::abort();                                                                  \
        }                                                                                  \
    } while (false)
