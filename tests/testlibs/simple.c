/* libsimple.so: a trivial library, installed without execute bits (C.24). */
__attribute__((visibility("default"), noinline)) void fun(void)
{
}
