// GDT selectors. The user ones are laid out for SYSRET, which derives both from STAR[63:48]:
// CS = base + 16, SS = base + 8 (RPL 3). SYSCALL takes CS = STAR[47:32], SS = that + 8.
#pragma once

constexpr unsigned GDT_ENTRY_KERNEL_CS = 1;
constexpr unsigned GDT_ENTRY_KERNEL_DS = 2;
constexpr unsigned GDT_ENTRY_USER32_CS = 3; // unused; the SYSRET base
constexpr unsigned GDT_ENTRY_USER_DS = 4;
constexpr unsigned GDT_ENTRY_USER_CS = 5;
constexpr unsigned GDT_ENTRY_TSS = 6; // 16 bytes: entries 6 and 7
constexpr unsigned GDT_ENTRIES = 8;

constexpr unsigned __KERNEL_CS = GDT_ENTRY_KERNEL_CS * 8; // 0x08
constexpr unsigned __KERNEL_DS = GDT_ENTRY_KERNEL_DS * 8; // 0x10
constexpr unsigned __USER32_CS = GDT_ENTRY_USER32_CS * 8 + 3;
constexpr unsigned __USER_DS = GDT_ENTRY_USER_DS * 8 + 3; // 0x23
constexpr unsigned __USER_CS = GDT_ENTRY_USER_CS * 8 + 3; // 0x2b
constexpr unsigned GDT_TSS_SELECTOR = GDT_ENTRY_TSS * 8;  // 0x30
