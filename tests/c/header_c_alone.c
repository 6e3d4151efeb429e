/* contactguard.h compiles alone as C11 with -Wall -Wextra -Wpedantic -Werror. */
#include "contactguard.h"

int cg_header_c_alone(void);
int cg_header_c_alone(void) { return CG_RESULT_OK + CG_CHANNEL_CALL + CG_VERSION_MAJOR * 0; }
