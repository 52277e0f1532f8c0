/* Shared between testlibs/usdt_tp.c (libusdt_tp.so) and testprogs/usdt_lib. */
#ifndef BPFDECK_USDT_TP_H
#define BPFDECK_USDT_TP_H

long myclock(void);

#endif
