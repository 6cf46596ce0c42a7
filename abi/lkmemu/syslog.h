/* syslog(2)'s actions, with Linux's values (include/linux/syslog.h): init's dmesg reads with
 * READ_ALL; the kernel implements them in kernel/printk/syslog.cpp. */
#pragma once

enum lkm_syslog_action {
    LKM_SYSLOG_ACTION_CLOSE = 0,
    LKM_SYSLOG_ACTION_OPEN = 1,
    LKM_SYSLOG_ACTION_READ = 2, /* waits for new messages: lkmemu refuses it with EINVAL */
    LKM_SYSLOG_ACTION_READ_ALL = 3,
    LKM_SYSLOG_ACTION_READ_CLEAR = 4,
    LKM_SYSLOG_ACTION_CLEAR = 5,
    LKM_SYSLOG_ACTION_CONSOLE_OFF = 6,
    LKM_SYSLOG_ACTION_CONSOLE_ON = 7,
    LKM_SYSLOG_ACTION_CONSOLE_LEVEL = 8,
    LKM_SYSLOG_ACTION_SIZE_UNREAD = 9,
    LKM_SYSLOG_ACTION_SIZE_BUFFER = 10,
};
