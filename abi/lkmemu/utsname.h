/* uname(2)'s struct new_utsname (include/uapi/linux/utsname.h): six NUL-terminated fields of 65
 * bytes. The kernel's release is the module release (LKM_UTS_RELEASE): what modules' vermagic
 * starts with, so that /lib/modules/$(uname -r) is where their .ko files are. */
#pragma once

#define LKM_NEW_UTS_LEN 64

struct lkm_new_utsname {
    char sysname[LKM_NEW_UTS_LEN + 1];
    char nodename[LKM_NEW_UTS_LEN + 1];
    char release[LKM_NEW_UTS_LEN + 1];
    char version[LKM_NEW_UTS_LEN + 1];
    char machine[LKM_NEW_UTS_LEN + 1];
    char domainname[LKM_NEW_UTS_LEN + 1];
};
