/* contactguard.h included twice in one C unit. */
#include "contactguard.h"
#include "contactguard.h"

int cg_header_c_twice(void);
int cg_header_c_twice(void) { return (int)sizeof(cg_ask) > 0 ? 0 : 1; }
