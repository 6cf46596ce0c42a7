// Half of oot_consumer: calls the other tree's export.
#include <linux/module.h>
extern int oot_provider_add(int a, int b);
int oot_consumer_sum(int a, int b) { return oot_provider_add(a, b); }
