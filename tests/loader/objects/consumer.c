/* Imports hello's exports (one plain, one GPL-only): checked with `check --module hello.ko`. */
#include "test_module.h"

extern int printk(const char* fmt, ...);
extern int hello_add(int x);
extern unsigned long hello_abs_value(void);

int consumer_init(void);
void consumer_exit(void);
int consumer_init(void) { return printk("%d %lu\n", hello_add(1), hello_abs_value()); }
void consumer_exit(void) {}
THIS_MODULE("consumer", consumer_init, consumer_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(depends, "hello");
MODULE_INFO(vermagic, LKM_VERMAGIC);
