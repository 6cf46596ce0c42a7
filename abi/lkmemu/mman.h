/* Memory-mapping flags of mmap, mprotect, mremap and madvise: Linux's x86-64 values
 * (include/uapi/asm-generic/mman-common.h, mman.h), shared by the kernel (mm/) and init. */
#pragma once

#define LKM_PROT_NONE 0x0
#define LKM_PROT_READ 0x1
#define LKM_PROT_WRITE 0x2
#define LKM_PROT_EXEC 0x4
#define LKM_PROT_GROWSDOWN 0x01000000

#define LKM_MAP_SHARED 0x01
#define LKM_MAP_PRIVATE 0x02
#define LKM_MAP_SHARED_VALIDATE 0x03
#define LKM_MAP_TYPE 0x0f
#define LKM_MAP_FIXED 0x10
#define LKM_MAP_ANONYMOUS 0x20
#define LKM_MAP_GROWSDOWN 0x0100
#define LKM_MAP_DENYWRITE 0x0800   /* ignored, as on Linux */
#define LKM_MAP_EXECUTABLE 0x1000  /* ignored */
#define LKM_MAP_LOCKED 0x2000      /* accepted; pages are not locked (there is no swap) */
#define LKM_MAP_NORESERVE 0x4000   /* ignored: nothing is reserved up front anyway */
#define LKM_MAP_POPULATE 0x8000
#define LKM_MAP_NONBLOCK 0x10000
#define LKM_MAP_STACK 0x20000
#define LKM_MAP_HUGETLB 0x40000
#define LKM_MAP_FIXED_NOREPLACE 0x100000

#define LKM_MREMAP_MAYMOVE 1
#define LKM_MREMAP_FIXED 2
#define LKM_MREMAP_DONTUNMAP 4

#define LKM_MADV_NORMAL 0
#define LKM_MADV_RANDOM 1
#define LKM_MADV_SEQUENTIAL 2
#define LKM_MADV_WILLNEED 3
#define LKM_MADV_DONTNEED 4

#define LKM_MAP_FAILED ((void*)-1)
