// The 8259A programmable interrupt controller pair, remapped to vectors 32-47 so the lines do
// not collide with CPU exceptions. Everything starts masked; request_irq unmasks.
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <kernel/irq.h>

namespace {

constexpr u8 ICW1_INIT_ICW4 = 0x11; // edge triggered, cascade, ICW4 follows
constexpr u8 ICW4_8086 = 0x01;
constexpr u8 OCW3_READ_ISR = 0x0b;
constexpr u8 PIC_EOI = 0x20;
constexpr unsigned CASCADE_IRQ = 2;

u16 g_mask = 0xffff; // bit set = line masked

void write_mask()
{
    outb(LKMEMU_PORT_PIC1_DATA, static_cast<u8>(g_mask));
    outb(LKMEMU_PORT_PIC2_DATA, static_cast<u8>(g_mask >> 8));
}

} // namespace

void init_8259A()
{
    outb(LKMEMU_PORT_PIC1_DATA, 0xff);
    outb(LKMEMU_PORT_PIC2_DATA, 0xff);
    outb(LKMEMU_PORT_PIC1_CMD, ICW1_INIT_ICW4);
    outb(LKMEMU_PORT_PIC1_DATA, IRQ0_VECTOR);      // ICW2: master base vector
    outb(LKMEMU_PORT_PIC1_DATA, 1 << CASCADE_IRQ); // ICW3: slave on IRQ 2
    outb(LKMEMU_PORT_PIC1_DATA, ICW4_8086);
    outb(LKMEMU_PORT_PIC2_CMD, ICW1_INIT_ICW4);
    outb(LKMEMU_PORT_PIC2_DATA, IRQ0_VECTOR + 8);  // ICW2: slave base vector
    outb(LKMEMU_PORT_PIC2_DATA, CASCADE_IRQ);      // ICW3: cascade identity
    outb(LKMEMU_PORT_PIC2_DATA, ICW4_8086);
    g_mask = 0xffff & ~(1u << CASCADE_IRQ);
    write_mask();
}

void enable_8259A_irq(unsigned irq)
{
    g_mask &= static_cast<u16>(~(1u << irq));
    write_mask();
}

void disable_8259A_irq(unsigned irq)
{
    g_mask |= static_cast<u16>(1u << irq);
    write_mask();
}

void ack_8259A_irq(unsigned irq)
{
    if (irq >= 8)
        outb(LKMEMU_PORT_PIC2_CMD, PIC_EOI);
    outb(LKMEMU_PORT_PIC1_CMD, PIC_EOI);
}

bool i8259A_irq_real(unsigned irq)
{
    // IRQ 7 and 15 are where the PIC reports spurious interrupts: real only if the ISR says so.
    if (irq == 7) {
        outb(LKMEMU_PORT_PIC1_CMD, OCW3_READ_ISR);
        return inb(LKMEMU_PORT_PIC1_CMD) & 0x80;
    }
    if (irq == 15) {
        outb(LKMEMU_PORT_PIC2_CMD, OCW3_READ_ISR);
        if (inb(LKMEMU_PORT_PIC2_CMD) & 0x80)
            return true;
        outb(LKMEMU_PORT_PIC1_CMD, PIC_EOI); // the master did see the cascade line
        return false;
    }
    return true;
}
