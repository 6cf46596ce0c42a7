/* Terminals with Linux's x86-64 user ABI (include/uapi/asm-generic/termbits.h, ioctls.h): the
 * struct termios that TCGETS/TCSETS move (the kernel's, 36 bytes, not glibc's larger one), the
 * flag bits, the c_cc slots, struct winsize and the ioctl numbers. The kernel's tty layer
 * (guest-kernel/drivers/tty/) and init's tests (user/selftest_tty.cpp) use these. */
#pragma once

#include <stdint.h>

#define LKM_NCCS 19
struct lkm_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[LKM_NCCS];
};

struct lkm_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* c_cc */
#define LKM_VINTR 0
#define LKM_VQUIT 1
#define LKM_VERASE 2
#define LKM_VKILL 3
#define LKM_VEOF 4
#define LKM_VTIME 5
#define LKM_VMIN 6
#define LKM_VSWTC 7
#define LKM_VSTART 8
#define LKM_VSTOP 9
#define LKM_VSUSP 10
#define LKM_VEOL 11
#define LKM_VREPRINT 12
#define LKM_VDISCARD 13
#define LKM_VWERASE 14
#define LKM_VLNEXT 15
#define LKM_VEOL2 16

/* c_iflag */
#define LKM_IGNBRK 0000001u
#define LKM_BRKINT 0000002u
#define LKM_IGNPAR 0000004u
#define LKM_PARMRK 0000010u
#define LKM_INPCK 0000020u
#define LKM_ISTRIP 0000040u
#define LKM_INLCR 0000100u
#define LKM_IGNCR 0000200u
#define LKM_ICRNL 0000400u
#define LKM_IUCLC 0001000u
#define LKM_IXON 0002000u
#define LKM_IXANY 0004000u
#define LKM_IXOFF 0010000u
#define LKM_IMAXBEL 0020000u
#define LKM_IUTF8 0040000u

/* c_oflag */
#define LKM_OPOST 0000001u
#define LKM_OLCUC 0000002u
#define LKM_ONLCR 0000004u
#define LKM_OCRNL 0000010u
#define LKM_ONOCR 0000020u
#define LKM_ONLRET 0000040u

/* c_cflag */
#define LKM_CBAUD 0010017u
#define LKM_B9600 0000015u
#define LKM_B38400 0000017u
#define LKM_B115200 0010002u
#define LKM_CSIZE 0000060u
#define LKM_CS8 0000060u
#define LKM_CSTOPB 0000100u
#define LKM_CREAD 0000200u
#define LKM_PARENB 0000400u
#define LKM_HUPCL 0002000u
#define LKM_CLOCAL 0004000u

/* c_lflag */
#define LKM_ISIG 0000001u
#define LKM_ICANON 0000002u
#define LKM_ECHO 0000010u
#define LKM_ECHOE 0000020u
#define LKM_ECHOK 0000040u
#define LKM_ECHONL 0000100u
#define LKM_NOFLSH 0000200u
#define LKM_TOSTOP 0000400u
#define LKM_ECHOCTL 0001000u
#define LKM_ECHOPRT 0002000u
#define LKM_ECHOKE 0004000u
#define LKM_FLUSHO 0010000u
#define LKM_PENDIN 0040000u
#define LKM_IEXTEN 0100000u

/* ioctl numbers */
#define LKM_TCGETS 0x5401u
#define LKM_TCSETS 0x5402u
#define LKM_TCSETSW 0x5403u
#define LKM_TCSETSF 0x5404u
#define LKM_TCSBRK 0x5409u
#define LKM_TCXONC 0x540Au
#define LKM_TCFLSH 0x540Bu
#define LKM_TIOCSCTTY 0x540Eu
#define LKM_TIOCGPGRP 0x540Fu
#define LKM_TIOCSPGRP 0x5410u
#define LKM_TIOCOUTQ 0x5411u
#define LKM_TIOCGWINSZ 0x5413u
#define LKM_TIOCSWINSZ 0x5414u
#define LKM_FIONREAD 0x541Bu
#define LKM_TIOCNOTTY 0x5422u
#define LKM_TCSBRKP 0x5425u
#define LKM_TIOCGSID 0x5429u

/* TCFLSH and TCXONC arguments */
#define LKM_TCIFLUSH 0
#define LKM_TCOFLUSH 1
#define LKM_TCIOFLUSH 2
#define LKM_TCOOFF 0
#define LKM_TCOON 1
#define LKM_TCIOFF 2
#define LKM_TCION 3

/* The character devices (Linux's devices.txt): /dev/tty 5:0, /dev/console 5:1, /dev/ttyS0 4:64. */
#define LKM_TTYAUX_MAJOR 5
#define LKM_TTY_MAJOR 4
#define LKM_TTYS0_MINOR 64

#ifdef __cplusplus
static_assert(sizeof(struct lkm_termios) == 36, "the kernel's struct termios is 36 bytes");
static_assert(sizeof(struct lkm_winsize) == 8, "struct winsize is 8 bytes");
#endif
