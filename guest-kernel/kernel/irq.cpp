#include <lkmemu/errno.h>
#include <kernel/irq.h>
#include <kernel/printk.h>

namespace {

struct irq_desc {
    irq_handler_t handler;
    const char* name;
    u64 count;
};

irq_desc g_irqs[NR_IRQS];
u64 g_spurious;
const pt_regs* g_irq_regs;
unsigned g_irq_depth; // handlers running (the trap handler must not unwind one)

} // namespace

int request_irq(unsigned irq, irq_handler_t handler, const char* name)
{
    if (irq >= NR_IRQS || !handler)
        return -LKM_EINVAL;
    if (g_irqs[irq].handler)
        return -LKM_EBUSY;
    g_irqs[irq] = { handler, name, 0 };
    enable_8259A_irq(irq);
    return 0;
}

bool in_interrupt() { return g_irq_depth != 0; }

void handle_irq_vector(pt_regs* regs, unsigned vector)
{
    unsigned irq = vector - IRQ0_VECTOR;
    if (irq >= NR_IRQS) {
        pr_err("irq: unexpected interrupt on vector %u\n", vector);
        return;
    }
    if (!i8259A_irq_real(irq)) {
        g_spurious++; // no EOI for a spurious interrupt (its ISR bit is not set)
        return;
    }
    irq_desc& desc = g_irqs[irq];
    desc.count++;
    // Acknowledge first: the handler may not return here (a tick that ends in a panic).
    ack_8259A_irq(irq);
    if (desc.handler) {
        const pt_regs* outer = g_irq_regs;
        g_irq_regs = regs;
        g_irq_depth++;
        desc.handler();
        g_irq_depth--;
        g_irq_regs = outer;
    } else
        pr_err("irq: no handler for IRQ %u\n", irq);
}

const pt_regs* get_irq_regs() { return g_irq_regs; }
