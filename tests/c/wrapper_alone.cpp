// contactguard.hpp compiles alone as C++17 with -Wall -Wextra -Wpedantic -Werror.
#include "contactguard.hpp"

int cg_wrapper_alone();
int cg_wrapper_alone() { return static_cast<int>(contactguard::Channel::Call); }
