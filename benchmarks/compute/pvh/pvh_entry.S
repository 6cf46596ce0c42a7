/* The compute benchmark's QEMU runner: a PVH kernel (qemu-system-x86_64 -kernel compute_pvh.elf).
 * QEMU enters pvh_start in 32-bit protected mode, paging off, EBX = struct hvm_start_info. This
 * stub identity-maps [0, 1 GiB) in 2 MiB pages, enters long mode and calls compute_main(start_info),
 * which never returns (it powers off through isa-debug-exit). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)

    .section .note.Xen, "a"
    .balign 4
    .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_start

    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    mov %ebx, %esi
    lgdt gdt_desc
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    movl $(pdpt + 3), pml4
    movl $(pd + 3), pdpt
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                  /* present, writable, 2 MiB */
    mov %eax, pd(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jb 1b
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $0x08, $start64

    .code64
start64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    lea stack_top(%rip), %rsp
    mov %esi, %edi                  /* start_info, zero-extended */
    call compute_main
2:  hlt
    jmp 2b

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt

    .section .bss
    .balign 4096
pml4: .skip 4096
pdpt: .skip 4096
pd: .skip 4096
stack: .skip 16384
stack_top:
    .section .note.GNU-stack, "", @progbits
