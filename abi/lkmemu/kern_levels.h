/* printk's log levels, as Linux's include/linux/kern_levels.h: a message may start with KERN_SOH
 * and a level digit ('0' most severe ... '7'), or KERN_SOH "c" to continue the previous line.
 * The kernel (include/kernel/printk.h) and modules (the SDK's linux/kern_levels.h) both use
 * these; syslog(2) and /dev/kmsg give the level back as a number. */
#pragma once

#define KERN_SOH "\001" /* ASCII Start Of Header */
#define KERN_SOH_ASCII '\001'

#define KERN_EMERG KERN_SOH "0"   /* system is unusable */
#define KERN_ALERT KERN_SOH "1"   /* action must be taken immediately */
#define KERN_CRIT KERN_SOH "2"    /* critical conditions */
#define KERN_ERR KERN_SOH "3"     /* error conditions */
#define KERN_WARNING KERN_SOH "4" /* warning conditions */
#define KERN_NOTICE KERN_SOH "5"  /* normal but significant condition */
#define KERN_INFO KERN_SOH "6"    /* informational */
#define KERN_DEBUG KERN_SOH "7"   /* debug-level messages */

#define KERN_DEFAULT ""         /* the default level: KERN_WARNING's */
#define KERN_CONT KERN_SOH "c"  /* continues the previous line */
