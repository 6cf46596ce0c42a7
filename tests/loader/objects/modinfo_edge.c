/* .modinfo corner cases for the kmod comparison: a parameter with only a type, one with only a
 * description, a key longer than kmod's 15-column padding, a record without '=', NUL padding. */
#include "test_module.h"

int edge_init(void);
void edge_exit(void);
int edge_init(void) { return 0; }
void edge_exit(void) {}
THIS_MODULE("edge", edge_init, edge_exit);
MODULE_LICENSE("Proprietary");
MODULE_INFO(parmtype, "typed:uint");
MODULE_INFO(parm, "described:no type given");
MODULE_INFO(a_key_longer_than_fifteen, "value");
MODULE_INFO(exactly15chars_, "v");
static const char bare_record[] __attribute__((section(".modinfo"), used, aligned(1))) = "bare_record_without_equals";
static const char padding[] __attribute__((section(".modinfo"), used, aligned(1))) = "\0\0";
MODULE_INFO(parm, "typed:typed desc");
MODULE_INFO(alias, "edge-1");
MODULE_INFO(alias, "edge-2");
