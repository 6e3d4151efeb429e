// contactguard.h compiles alone as C++17 with -Wall -Wextra -Wpedantic -Werror.
#include "contactguard.h"

int cg_header_cpp_alone();
int cg_header_cpp_alone() { return CG_RESULT_OK; }
