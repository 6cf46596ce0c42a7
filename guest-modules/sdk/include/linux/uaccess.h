// Copying between kernel memory and the calling process's memory (linux/uaccess.h).
#pragma once

#include <linux/compiler.h>
#include <linux/types.h>

__LKM_BEGIN_DECLS
/* Both return the number of bytes NOT copied: 0 on success. They fail (partly) rather than
 * fault when the user range is unmapped, not user-accessible or, for copy_to_user, read-only. */
unsigned long copy_to_user(void __user* to, const void* from, unsigned long n);
unsigned long copy_from_user(void* to, const void __user* from, unsigned long n);
__LKM_END_DECLS
