/* cg_config.c — the module-level constants of a standalone binary: the
 * experiment's configuration text (runtime/rt_config.h) as
 * `const char lrc_config_text[]` (NUL-terminated) and its length as
 * `const int64_t lrc_config_size`, read back by runtime/standalone/main.c.
 * The JIT never needs them; `lrc build` adds them before optimising. */
#include "cg.h"

#include <stdlib.h>
#include <string.h>
#include "lrc_abi.h"

int cg_add_config(LLVMModuleRef m, const char *text, size_t len, char **msg)
{
    if (len > 0xffffffffu) {
        *msg = strdup("the configuration text is too large");
        return -1;
    }
    LLVMContextRef ctx = LLVMGetModuleContext(m);
    if (LLVMGetNamedGlobal(m, LRC_SYM_CONFIG) || LLVMGetNamedGlobal(m, LRC_SYM_CONFIG_SIZE)) {
        *msg = strdup("the module already defines the configuration");
        return -1;
    }
    LLVMValueRef str = LLVMConstStringInContext(ctx, text, (unsigned)len, 0); /* adds the NUL */
    LLVMValueRef g = LLVMAddGlobal(m, LLVMTypeOf(str), LRC_SYM_CONFIG);
    LLVMSetInitializer(g, str);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMExternalLinkage);
    LLVMSetAlignment(g, 1);
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMValueRef n = LLVMAddGlobal(m, i64, LRC_SYM_CONFIG_SIZE);
    LLVMSetInitializer(n, LLVMConstInt(i64, (unsigned long long)len, 0));
    LLVMSetGlobalConstant(n, 1);
    LLVMSetLinkage(n, LLVMExternalLinkage);
    return 0;
}
