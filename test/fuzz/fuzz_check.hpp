// What a fuzz target does when a property does not hold: say which, and abort
// (libFuzzer keeps the input that did it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(condition, message)                                                                                 \
	do {                                                                                                               \
		if (!(condition)) {                                                                                            \
			std::fprintf(stderr, "property failed: %s: %s\n", #condition, std::string(message).c_str());             \
			std::abort();                                                                                              \
		}                                                                                                              \
	} while (0)
