/* One of every relocation type the loader applies, written in assembly so both compilers produce
 * exactly these: see the comment beside each line. ext_func, ext_data, ext_low and ext_pc come from the
 * test's resolver. */
#include "test_module.h"

__asm__(
    ".section .text,\"ax\",@progbits\n"
    ".globl relocs_code\n"
    "relocs_code:\n"
    "  call ext_func@PLT\n"          /* R_X86_64_PLT32 ext_func-4 */
    "  movq $ext_data, %rax\n"       /* R_X86_64_32S ext_data */
    "  leaq ext_data(%rip), %rax\n"  /* R_X86_64_PC32 ext_data-4 */
    "  movl $ext_low, %eax\n"        /* R_X86_64_32 ext_low */
    "  ret\n"
    ".section .data,\"aw\",@progbits\n"
    ".globl relocs_table\n"
    "relocs_table:\n"
    "  .quad ext_data + 16\n"        /* R_X86_64_64 ext_data+16 */
    "  .quad ext_data - .\n"         /* R_X86_64_PC64 ext_data */
    "  .long ext_data - .\n"         /* R_X86_64_PC32 ext_data */
    "  .long relocs_abs\n"           /* R_X86_64_32 relocs_abs (SHN_ABS) */
    "  .reloc ., R_X86_64_NONE, ext_data\n"
    "  .quad 0x5a5a5a5a5a5a5a5a\n"   /* untouched by R_X86_64_NONE */
    "  .quad relocs_code + 3\n"      /* R_X86_64_64 against a local definition */
    "  .long ext_pc - .\n"           /* R_X86_64_PC32 ext_pc, at .data+0x28: range edges */
    ".globl relocs_abs\n"
    ".set relocs_abs, 0x7fffffff\n");

int relocs_init(void);
void relocs_exit(void);
int relocs_init(void) { return 0; }
void relocs_exit(void) {}
THIS_MODULE("relocs", relocs_init, relocs_exit);
MODULE_LICENSE("Dual MIT/GPL");
