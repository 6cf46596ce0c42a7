// open(2) flags (linux/fcntl.h), as a driver finds them in file->f_flags; the values are the
// contract's (abi/lkmemu/fcntl.h).
#pragma once

#include <lkmemu/fcntl.h>

#define O_ACCMODE LKM_O_ACCMODE
#define O_RDONLY LKM_O_RDONLY
#define O_WRONLY LKM_O_WRONLY
#define O_RDWR LKM_O_RDWR
#define O_TRUNC LKM_O_TRUNC
#define O_NONBLOCK LKM_O_NONBLOCK
