// External interrupts (kernel/irq.cpp): the legacy PIC's 16 lines on vectors 32-47.
#pragma once

#include <asm/ptrace.h>
#include <kernel/types.h>

constexpr unsigned NR_IRQS = 16;
constexpr unsigned IRQ0_VECTOR = 32; // the PIC is remapped here, above the exceptions

using irq_handler_t = void (*)();
// Install the handler for a line and unmask it. EBUSY if the line has one already.
int request_irq(unsigned irq, irq_handler_t handler, const char* name);

void handle_irq_vector(pt_regs* regs, unsigned vector);
// While an interrupt handler runs: the registers it interrupted (Linux's get_irq_regs).
const pt_regs* get_irq_regs();
// Inside an interrupt handler now (Linux's in_interrupt, for hard interrupts).
bool in_interrupt();

// The 8259A pair (drivers/i8259.cpp).
void init_8259A();
void enable_8259A_irq(unsigned irq);
void disable_8259A_irq(unsigned irq);
void ack_8259A_irq(unsigned irq); // end of interrupt
bool i8259A_irq_real(unsigned irq); // false for a spurious IRQ 7/15
