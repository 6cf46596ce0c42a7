/* A GOT-relative load (what -fpic code does): the loader refuses it by name. */
#include "test_module.h"

__asm__(".text\n.globl got_load\ngot_load:\n  movq ext_data@GOTPCREL(%rip), %rax\n  ret\n");

int got_init(void) { return 0; }
void got_exit(void) {}
THIS_MODULE("got", got_init, got_exit);
MODULE_LICENSE("GPL");
