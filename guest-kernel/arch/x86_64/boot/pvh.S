/* QEMU's way in: PVH boot (qemu-system-x86_64 -kernel kernel.elf). QEMU finds the entry in the
 * Xen ELF note below and starts it in 32-bit protected mode, paging off, EBX = the physical
 * address of struct hvm_start_info. This stub builds page tables equivalent to lkmemu's boot
 * tables (identity [0, 4 GiB), the kernel image at -2 GiB), enters long mode and jumps to the
 * same 64-bit entry as the lkmemu boot protocol, with RDI = the PVH magic, RSI = start_info. */

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define PTE_P_RW 0x3
#define PTE_LARGE 0x83 /* present, writable, 2 MiB */
#define KERNEL_PHYS 0x200000

    .section .note.Xen, "a"
    .balign 4
    .long 4                         /* name size: "Xen\0" */
    .long 4                         /* descriptor size */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_start_xen

    .section .boot32.text, "ax"
    .code32
    .globl pvh_start_xen
pvh_start_xen:
    cli
    cld
    mov %ebx, %esi                  /* start_info, kept in esi throughout */
    lgdt pvh_gdt_desc
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss

    /* Zero the tables (the loader may not have). */
    mov $pvh_pgt_start, %edi
    mov $(pvh_pgt_end - pvh_pgt_start) / 4, %ecx
    xor %eax, %eax
    rep stosl

    /* PML4[0] -> identity PDPT, PML4[511] -> high PDPT. */
    movl $(pvh_pdpt_low + PTE_P_RW), pvh_pml4
    movl $(pvh_pdpt_high + PTE_P_RW), pvh_pml4 + 511 * 8
    /* Identity PDPT[0..3] -> four page directories of 2 MiB pages: [0, 4 GiB). */
    mov $(pvh_pd_low + PTE_P_RW), %eax
    xor %ecx, %ecx
1:  mov %eax, pvh_pdpt_low(, %ecx, 8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jb 1b
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $PTE_LARGE, %eax
    mov %eax, pvh_pd_low(, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b
    /* High PDPT[510] (0xffffffff80000000) -> 1 GiB from KERNEL_PHYS in 2 MiB pages. */
    movl $(pvh_pd_high + PTE_P_RW), pvh_pdpt_high + 510 * 8
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $21, %eax
    add $(KERNEL_PHYS + PTE_LARGE), %eax
    mov %eax, pvh_pd_high(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jb 3b

    /* Long mode: PAE, CR3, EFER.LME (and NXE: the kernel's tables use NX), then paging. */
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pvh_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $0x08, $pvh_start_64

    .code64
pvh_start_64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $XEN_HVM_START_MAGIC_VALUE, %edi
    mov %esi, %esi                  /* zero-extend start_info */
    movabs $startup_64, %rax
    jmp *%rax

    .balign 8
pvh_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
pvh_gdt_end:
pvh_gdt_desc:
    .word pvh_gdt_end - pvh_gdt - 1
    .long pvh_gdt

    .section .boot32.bss, "aw", @nobits
    .balign 4096
pvh_pgt_start:
pvh_pml4: .skip 4096
pvh_pdpt_low: .skip 4096
pvh_pdpt_high: .skip 4096
pvh_pd_high: .skip 4096
pvh_pd_low: .skip 4 * 4096
pvh_pgt_end:
