/* reboot(2)'s magic numbers and commands, Linux's values (include/uapi/linux/reboot.h): the
 * kernel checks them, init passes them. */
#pragma once

#define LKM_LINUX_REBOOT_MAGIC1 0xfee1deadu
#define LKM_LINUX_REBOOT_MAGIC2 672274793u
#define LKM_LINUX_REBOOT_MAGIC2A 85072278u
#define LKM_LINUX_REBOOT_MAGIC2B 369367448u
#define LKM_LINUX_REBOOT_MAGIC2C 537993216u

#define LKM_LINUX_REBOOT_CMD_POWER_OFF 0x4321fedcu
#define LKM_LINUX_REBOOT_CMD_CAD_ON 0x89abcdefu
#define LKM_LINUX_REBOOT_CMD_CAD_OFF 0x00000000u
