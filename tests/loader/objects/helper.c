/* A second translation unit for hello.ko (ld.lld -r hello.o helper.o): cross-object calls. */
extern int hello_add(int x);
int helper_twice(int x) { return hello_add(x) + hello_add(x); }
