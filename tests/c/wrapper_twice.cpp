// contactguard.hpp (and the C header under it) included twice in one unit.
#include "contactguard.hpp"
#include "contactguard.h"
#include "contactguard.hpp"

int cg_wrapper_twice();
int cg_wrapper_twice() { return static_cast<int>(contactguard::Role::Debtor); }
