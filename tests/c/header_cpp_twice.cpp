// contactguard.h included twice in one C++ unit.
#include "contactguard.h"
#include "contactguard.h"

int cg_header_cpp_twice();
int cg_header_cpp_twice() { return static_cast<int>(sizeof(cg_event) > 0 ? 0 : 1); }
