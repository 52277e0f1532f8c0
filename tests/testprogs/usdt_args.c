/* usdt_args: USDT argument operands in every form the sdt notes use:
 * immediates, registers, base+displacement and base+displacement+index*scale
 * (C.18).  Built with gcc at -O1 so the operands take those forms. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__)
#pragma GCC optimize("O1")
#endif
#include <stdint.h>

#include "sdt_compat.h"

#define V 0xf7f6f5f4f3f2f1f0ULL

typedef union {
  int8_t i8;
  uint8_t u8;
  int16_t i16;
  uint16_t u16;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
} usdt_val;

#if !defined(__x86_64__)
volatile uint64_t one = 1;
#endif

/* Keep a value opaque to the optimiser while leaving it in its register. */
#define OPAQUE(x) __asm__ __volatile__("" : "+r"(x))

int main(int argc, char **argv)
{
  (void)argv;
  USDT_SHOULD_NOT_SKIP_CHECK(argc);

  /* main stays a leaf function, so the array lives in the red zone and the
   * memory operands read e.g. -80(%rsp) and -80(%rsp,%rax,8). */
  volatile usdt_val arr[10];
  for (volatile int k = 0; k < 10; k++)
    arr[k].u64 = (uint64_t)V;

  /* const_*: compile-time constants -> immediates */
  DTRACE_PROBE1(usdt_args, const_u64, (uint64_t)V);
  DTRACE_PROBE1(usdt_args, const_64, (int64_t)V);
  DTRACE_PROBE1(usdt_args, const_u32, (uint32_t)V);
  DTRACE_PROBE1(usdt_args, const_32, (int32_t)V);
  DTRACE_PROBE1(usdt_args, const_u16, (uint16_t)V);
  DTRACE_PROBE1(usdt_args, const_16, (int16_t)V);
  DTRACE_PROBE1(usdt_args, const_u8, (uint8_t)V);
  DTRACE_PROBE1(usdt_args, const_8, (int8_t)V);

  /* reg_*: register operands */
#if defined(__x86_64__)
  {
    register uint64_t r asm("rax") = (uint64_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_u64, r);
  }
  {
    register int64_t r asm("rax") = (int64_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_64, r);
  }
  {
    register uint32_t r asm("eax") = (uint32_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_u32, r);
  }
  {
    register int32_t r asm("eax") = (int32_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_32, r);
  }
  {
    register uint16_t r asm("ax") = (uint16_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_u16, r);
  }
  {
    register int16_t r asm("ax") = (int16_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_16, r);
  }
  {
    register uint8_t r asm("al") = (uint8_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_u8, r);
  }
  {
    register int8_t r asm("al") = (int8_t)V;
    OPAQUE(r);
    DTRACE_PROBE1(usdt_args, reg_8, r);
  }
#else
  DTRACE_PROBE1(usdt_args, reg_u64, (uint64_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_64, (int64_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_u32, (uint32_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_32, (int32_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_u16, (uint16_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_16, (int16_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_u8, (uint8_t)(V * one));
  DTRACE_PROBE1(usdt_args, reg_8, (int8_t)(V * one));
#endif

  /* addr_*: base + displacement */
  arr[1].u64 = (uint64_t)V;
  DTRACE_PROBE1(usdt_args, addr_u64, arr[1].u64);
  arr[1].i64 = (int64_t)V;
  DTRACE_PROBE1(usdt_args, addr_64, arr[1].i64);
  arr[1].u32 = (uint32_t)V;
  DTRACE_PROBE1(usdt_args, addr_u32, arr[1].u32);
  arr[1].i32 = (int32_t)V;
  DTRACE_PROBE1(usdt_args, addr_32, arr[1].i32);
  arr[1].u16 = (uint16_t)V;
  DTRACE_PROBE1(usdt_args, addr_u16, arr[1].u16);
  arr[1].i16 = (int16_t)V;
  DTRACE_PROBE1(usdt_args, addr_16, arr[1].i16);
  arr[1].u8 = (uint8_t)V;
  DTRACE_PROBE1(usdt_args, addr_u8, arr[1].u8);
  arr[1].i8 = (int8_t)V;
  DTRACE_PROBE1(usdt_args, addr_8, arr[1].i8);

  /* index_*: base + displacement + index * scale */
  for (volatile int i = 7; i <= 7; i++) {
    DTRACE_PROBE1(usdt_args, index_u64, arr[i].u64);
    DTRACE_PROBE1(usdt_args, index_64, arr[i].i64);
    DTRACE_PROBE1(usdt_args, index_u32, arr[i].u32);
    DTRACE_PROBE1(usdt_args, index_32, arr[i].i32);
    DTRACE_PROBE1(usdt_args, index_u16, arr[i].u16);
    DTRACE_PROBE1(usdt_args, index_16, arr[i].i16);
    DTRACE_PROBE1(usdt_args, index_u8, arr[i].u8);
    DTRACE_PROBE1(usdt_args, index_8, arr[i].i8);
  }
  return 0;
}
