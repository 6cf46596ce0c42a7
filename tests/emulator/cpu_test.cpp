// The CPU as the guest sees it: exceptions, interrupts and SYSCALL delivered through the guest's
// own IDT/TSS, privilege changes, the timer, and the ways a machine stops. Each test boots a
// TestGuest (test_guest.h) whose code is hand-assembled below.
#include "test_guest.h"

#include <lkmemu/harness.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <thread>

using namespace lkmemu;
using namespace lkmemu::test;

namespace {

RunResult run(Machine& machine)
{
    auto result = machine.run();
    INFO("run ended: " << result.message);
    return result;
}

// A test guest whose #PF/#GP handler at +0x800 is an interrupt gate.
TestGuest with_handler(std::vector<Chunk> text, uint8_t vector)
{
    TestGuest guest(std::move(text));
    guest.gate(Gate { vector, 0x800 });
    return guest;
}

} // namespace

TEST_CASE("a kernel-mode #PF is delivered through the IDT with the architectural frame", "[cpu]")
{
    auto machine = with_handler({
    // body at +0x100
    Chunk { 0x100, {
        0x48, 0xbb, 0x23, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, // movabs rbx, 0x5000123
        0x48, 0xc7, 0xc1, 0x34, 0x12, 0x00, 0x00,        // mov rcx, 0x1234
        0x48, 0x8b, 0x03,                                // mov rax, qword ptr [rbx]
        0xf4,                                            // hlt
    } },
    // handler at +0x800
    Chunk { 0x800, code::page_fault_handler() },
    }, 14).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0x14);
    auto const regs = machine->registers();
    CHECK(regs.r14 == 0x5000123); // CR2: the exact byte, not the page
    CHECK(regs.cr2 == 0x5000123);
    REQUIRE(regs.r13 == kernel_stack_top - 48);
    CHECK(read_u64(*machine, regs.r13 + 0) == 0);                             // error code: read, not present, supervisor
    CHECK(read_u64(*machine, regs.r13 + 8) == text_va + body_offset + 17);    // RIP: the faulting mov
    CHECK(read_u64(*machine, regs.r13 + 16) == kernel_cs);
    CHECK((read_u64(*machine, regs.r13 + 24) & 0x2) == 0x2);                  // RFLAGS
    CHECK(read_u64(*machine, regs.r13 + 32) == kernel_stack_top);             // RSP
    CHECK(read_u64(*machine, regs.r13 + 40) == kernel_ds);                    // SS
}

TEST_CASE("a #GP from a bad selector is delivered with the selector as error code", "[cpu]")
{
    auto machine = with_handler({
    // body at +0x100
    Chunk { 0x100, {
        0x66, 0xb8, 0x38, 0x12,                          // mov ax, 0x1238
        0x66, 0x8e, 0xd8,                                // mov ds, ax
        0xf4,                                            // hlt
    } },
    // handler at +0x800
    Chunk { 0x800, code::save_frame_and_power_off(0xd) },
    }, 13).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0xd);
    auto const frame = machine->registers().r13;
    CHECK(frame == kernel_stack_top - 48);
    CHECK(read_u64(*machine, frame) == 0x1238);                      // error code: the selector
    CHECK(read_u64(*machine, frame + 8) == text_va + body_offset + 4); // RIP: mov ds, ax
}

TEST_CASE("an access to a non-canonical address is #GP(0), not #PF", "[cpu]")
{
    auto machine = with_handler({
    // body at +0x100
    Chunk { 0x100, {
        0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, // movabs rax, -0x8000000000000000
        0x48, 0x8b, 0x18,                                // mov rbx, qword ptr [rax]
        0xf4,                                            // hlt
    } },
    // handler at +0x800
    Chunk { 0x800, code::save_frame_and_power_off(0xd) },
    }, 13).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0xd);
    auto const frame = machine->registers().r13;
    CHECK(read_u64(*machine, frame) == 0);                              // error code
    CHECK(read_u64(*machine, frame + 8) == text_va + body_offset + 10); // RIP: the load
}

TEST_CASE("1000 page faults in a row are each delivered as #PF, and the 1001st too", "[cpu]")
{
    // The handler checks CR2, skips the 3-byte load and counts in r15. Then the IDT is emptied, so
    // the 1001st #PF cannot be delivered: the machine reports the chain, starting with #PF.
    auto machine = with_handler({
    // body at +0x100
    Chunk { 0x100, {
        0x45, 0x31, 0xff,                                // xor r15d, r15d
        0x48, 0xbb, 0x23, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, // movabs rbx, 0x5000123
        0xb9, 0xe8, 0x03, 0x00, 0x00,                    // mov ecx, 0x3e8
        0x48, 0x8b, 0x03,                                // mov rax, qword ptr [rbx]
        0xff, 0xc9,                                      // dec ecx
        0x75, 0xf9,                                      // jne 0xffffffff80100112
        0x48, 0xb8, 0x20, 0x0f, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rax, -0x7fdff0e0
        0x0f, 0x01, 0x18,                                // lidt [rax]
        0x48, 0x8b, 0x03,                                // mov rax, qword ptr [rbx]
        0xf4,                                            // hlt
    } },
    // handler at +0x800
    Chunk { 0x800, {
        0x0f, 0x20, 0xd2,                                // mov rdx, cr2
        0x48, 0x39, 0xda,                                // cmp rdx, rbx
        0x75, 0x0f,                                      // jne 0xffffffff80100817
        0x49, 0xff, 0xc7,                                // inc r15
        0x48, 0x83, 0x44, 0x24, 0x08, 0x03,              // add qword ptr [rsp + 0x8], 0x3
        0x48, 0x83, 0xc4, 0x08,                          // add rsp, 0x8
        0x48, 0xcf,                                      // iretq
        0xb8, 0xad, 0x0b, 0x00, 0x00,                    // mov eax, 0xbad
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    }, 14).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::TripleFault);
    CHECK(machine->registers().r15 == 1000);
    CHECK_THAT(result.message, Catch::Contains(": #PF(error 0x0, address 0x5000123) -> #GP(0x73) -> #DF -> #GP(0x43)"));
}

TEST_CASE("1000 #GP in a row are each delivered as #GP (QEMU's fault marker re-armed), and the 1001st too", "[cpu]")
{
    auto machine = with_handler({
    // body at +0x100
    Chunk { 0x100, {
        0x45, 0x31, 0xff,                                // xor r15d, r15d
        0x66, 0xb8, 0x38, 0x12,                          // mov ax, 0x1238
        0xb9, 0xe8, 0x03, 0x00, 0x00,                    // mov ecx, 0x3e8
        0x66, 0x8e, 0xd8,                                // mov ds, ax
        0xff, 0xc9,                                      // dec ecx
        0x75, 0xf9,                                      // jne 0xffffffff8010010c
        0x48, 0xba, 0x20, 0x0f, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rdx, -0x7fdff0e0
        0x0f, 0x01, 0x1a,                                // lidt [rdx]
        0x66, 0x8e, 0xd8,                                // mov ds, ax
        0xf4,                                            // hlt
    } },
    // handler at +0x800
    Chunk { 0x800, {
        0x48, 0x81, 0x3c, 0x24, 0x38, 0x12, 0x00, 0x00,  // cmp qword ptr [rsp], 0x1238
        0x75, 0x0f,                                      // jne 0xffffffff80100819
        0x49, 0xff, 0xc7,                                // inc r15
        0x48, 0x83, 0x44, 0x24, 0x08, 0x03,              // add qword ptr [rsp + 0x8], 0x3
        0x48, 0x83, 0xc4, 0x08,                          // add rsp, 0x8
        0x48, 0xcf,                                      // iretq
        0xb8, 0xad, 0x0b, 0x00, 0x00,                    // mov eax, 0xbad
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    }, 13).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::TripleFault);
    CHECK(machine->registers().r15 == 1000);
    CHECK_THAT(result.message, Catch::Contains(": #GP(0x1238) -> #GP(0x6b) -> #DF -> #GP(0x43)"));
}

namespace {
TestGuest user_guest()
{
    TestGuest guest(code::ring3_test_text());
    guest.gate(Gate { 14, 0x800 });
    return guest;
}
} // namespace

TEST_CASE("iretq to ring 3 and syscall back to ring 0", "[cpu]")
{
    auto guest = user_guest();
    guest.user_code({
    // user at +0x0
    Chunk { 0x0, {
        0x48, 0xc7, 0xc3, 0x77, 0x00, 0x00, 0x00,        // mov rbx, 0x77
        0x0f, 0x05,                                      // syscall
        0x0f, 0x0b,                                      // ud2
    } },
    });
    auto machine = guest.machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0x5c);
    CHECK(machine->user_mode_reached());
    auto const regs = machine->registers();
    CHECK(regs.rbx == 0x77);                  // ran in ring 3
    CHECK(regs.rcx == user_va + 9);           // return RIP: after the syscall
    CHECK(regs.r11 == 0x202);                 // the user's RFLAGS
    CHECK((regs.rflags & 0x200) == 0);        // FMASK cleared IF
    CHECK(regs.cs == kernel_cs);              // STAR[47:32]
    CHECK(regs.ss == kernel_ds);              // STAR[47:32] + 8
    CHECK(regs.rsp == user_stack_top);        // SYSCALL does not switch stacks
}

TEST_CASE("a user-mode #PF is delivered on TSS.RSP0 with a ring-3 frame", "[cpu]")
{
    auto guest = user_guest();
    guest.user_code({
    // user at +0x0
    Chunk { 0x0, {
        0x48, 0xc7, 0xc3, 0x77, 0x00, 0x00, 0x00,        // mov rbx, 0x77
        0x48, 0x8b, 0x04, 0x25, 0x08, 0x10, 0x00, 0x00,  // mov rax, qword ptr [0x1008]
        0x0f, 0x0b,                                      // ud2
    } },
    });
    auto machine = guest.machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0x14);
    auto const regs = machine->registers();
    CHECK(regs.rbx == 0x77);
    CHECK(regs.r14 == 0x1008);         // CR2
    CHECK(regs.cs == kernel_cs);
    REQUIRE(regs.r13 == rsp0_top - 48);
    CHECK(read_u64(*machine, regs.r13 + 0) == 0x4);            // error code: user read, not present
    CHECK(read_u64(*machine, regs.r13 + 8) == user_va + 7);    // RIP of the faulting load
    CHECK(read_u64(*machine, regs.r13 + 16) == user_cs);
    CHECK(read_u64(*machine, regs.r13 + 24) == 0x202);         // RFLAGS
    CHECK(read_u64(*machine, regs.r13 + 32) == user_stack_top); // RSP
    CHECK(read_u64(*machine, regs.r13 + 40) == user_ds);        // SS
}

TEST_CASE("timer ticks wake a sti/hlt loop that counts IRQ 0", "[cpu][timer]")
{
    TestGuest guest({
    // body at +0x100
    Chunk { 0x100, code::count_in_r15_and_unmask_irq0() + std::vector<uint8_t> {
        0xb0, 0x34,                                      // mov al, 0x34
        0xe6, 0x43,                                      // out 0x43, al
        0xb0, 0xa9,                                      // mov al, -0x57
        0xe6, 0x40,                                      // out 0x40, al
        0xb0, 0x04,                                      // mov al, 0x4
        0xe6, 0x40,                                      // out 0x40, al
        0xfb,                                            // sti
        0xf4,                                            // hlt
        0x49, 0x83, 0xff, 0x14,                          // cmp r15, 0x14
        0x72, 0xf9,                                      // jb 0xffffffff80100134
        0xfa,                                            // cli
        0x44, 0x89, 0xf8,                                // mov eax, r15d
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    // irq0 at +0x800
    Chunk { 0x800, code::irq0_counter() },
    });
    guest.gate(Gate { 0x20, 0x800 });
    auto machine = guest.machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    CHECK(result.guest_status >= 20);
}

TEST_CASE("hlt with interrupts disabled is a dead machine", "[cpu]")
{
    auto machine = TestGuest({
    // body at +0x100
    Chunk { 0x100, {
        0xfa,                                            // cli
        0xf4,                                            // hlt
    } },
    }).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::Dead);
    CHECK_THAT(result.message, Catch::Contains("interrupts disabled"));
}

TEST_CASE("an exception with no IDT is a triple fault", "[cpu]")
{
    auto machine = TestGuest({
    // entry at +0x0
    Chunk { 0x0, {
        0x0f, 0x0b,                                      // ud2
    } },
    }, false).machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::TripleFault);
    CHECK_THAT(result.message, Catch::Contains("#UD -> #GP(0x33) -> #GP(0x6b) -> #DF -> #GP(0x43)"));
}

TEST_CASE("request_stop stops a running machine, which can run on", "[cpu]")
{
    auto machine = TestGuest({
        Chunk { 0x100, {
            0xeb, 0xfe, // jmp 0xffffffff80100100 (itself)
        } },
    }).machine();
    machine->request_stop(); // before run(): latched, takes effect at once
    auto result = machine->run();
    REQUIRE(result.reason == StopReason::Stopped);
    CHECK(machine->registers().rip == text_va); // nothing ran

    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        machine->request_stop();
    });
    result = machine->run();
    stopper.join();
    REQUIRE(result.reason == StopReason::Stopped);
    CHECK(machine->registers().rip == text_va + body_offset);
    CHECK(machine->guest_instructions() > 1000);
}

TEST_CASE("a write of LKMEMU_EXIT_PANIC to the exit port is a panic", "[cpu]")
{
    auto machine = TestGuest({
        Chunk { 0x100, {
            0xb8, 0x7f, 0x00, 0x00, 0x00, // mov eax, 0x7f
            0xe7, 0xf4,                   // out 0xf4, eax
            0xf4,                         // hlt
        } },
    }).machine();
    auto const result = machine->run();
    CHECK(result.reason == StopReason::Panic);
    CHECK(result.guest_status == 0x7f);
    CHECK(result.message == "kernel panic (exit status 0x7f)");
    CHECK(machine->run().reason == StopReason::Panic); // finished: the same answer again
}

TEST_CASE("an interrupt pending at sti+hlt is taken after the hlt, as in hardware", "[cpu][timer]")
{
    // IRQ 0 (a one-shot PIT count) becomes pending while IF = 0; then `sti; hlt`. A breakpoint
    // makes the machine stop between the two, inside sti's interrupt shadow. Taken there, the
    // interrupt would return to the hlt, which nothing would ever wake (Dead).
    TestGuest guest({
    // body at +0x100
    Chunk { 0x100, code::count_in_r15_and_unmask_irq0() + std::vector<uint8_t> {
        0xb0, 0x30,                                      // mov al, 0x30
        0xe6, 0x43,                                      // out 0x43, al
        0xb0, 0x10,                                      // mov al, 0x10
        0xe6, 0x40,                                      // out 0x40, al
        0xb0, 0x00,                                      // mov al, 0x0
        0xe6, 0x40,                                      // out 0x40, al
        0xb0, 0x0a,                                      // mov al, 0xa
        0xe6, 0x20,                                      // out 0x20, al
        0xe4, 0x20,                                      // in al, 0x20
        0xa8, 0x01,                                      // test al, 0x1
        0x74, 0xfa,                                      // je 0xffffffff80100137
        0xfb,                                            // sti
        0xf4,                                            // hlt
        0x44, 0x89, 0xf8,                                // mov eax, r15d
        0x05, 0x00, 0x01, 0x00, 0x00,                    // add eax, 0x100
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    // irq0 at +0x800
    Chunk { 0x800, code::irq0_counter() },
    });
    guest.gate(Gate { 0x20, 0x800 });
    auto machine = guest.machine();
    uint64_t const hlt = text_va + 0x13e;
    REQUIRE_FALSE(machine->add_breakpoint(hlt).is_error());
    auto result = machine->run();
    REQUIRE(result.reason == StopReason::Breakpoint);
    CHECK((machine->registers().rflags & 0x200) != 0); // sti ran
    result = machine->run();
    INFO(result.message);
    REQUIRE(result.reason == StopReason::PowerOff);
    CHECK(result.guest_status == 0x101); // one interrupt, returned after the hlt
}

namespace {
struct RecordingHost final : HarnessHost {
    Machine* expected = nullptr;
    int requests = 0;
    std::vector<std::pair<int32_t, std::string>> responses;
    std::vector<uint8_t> next_request(Machine& machine) override
    {
        CHECK(&machine == expected);
        ++requests;
        lkmemu_harness_request header { LKMEMU_HARNESS_OP_DMESG, 0, 2, 0 };
        std::vector<uint8_t> bytes(sizeof header + 2);
        std::memcpy(bytes.data(), &header, sizeof header);
        std::memcpy(bytes.data() + sizeof header, "hi", 2);
        return bytes;
    }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        CHECK(&machine == expected);
        responses.emplace_back(status, std::string(text));
    }
};
} // namespace

TEST_CASE("the harness device carries a request into guest RAM and a response out", "[cpu][harness]")
{
    auto machine = TestGuest({
    // body at +0x100
    Chunk { 0x100, {
        0x66, 0xba, 0x00, 0x50,                          // mov dx, 0x5000
        0xed,                                            // in eax, dx
        0x49, 0x89, 0xc4,                                // mov r12, rax
        0x66, 0xba, 0x04, 0x50,                          // mov dx, 0x5004
        0xb8, 0x00, 0x90, 0x20, 0x00,                    // mov eax, 0x209000
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x08, 0x50,                          // mov dx, 0x5008
        0x31, 0xc0,                                      // xor eax, eax
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x0c, 0x50,                          // mov dx, 0x500c
        0xb8, 0x00, 0x01, 0x00, 0x00,                    // mov eax, 0x100
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x10, 0x50,                          // mov dx, 0x5010
        0xb8, 0x01, 0x00, 0x00, 0x00,                    // mov eax, 0x1
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x14, 0x50,                          // mov dx, 0x5014
        0xed,                                            // in eax, dx
        0x49, 0x89, 0xc5,                                // mov r13, rax
        0x66, 0xba, 0x0c, 0x50,                          // mov dx, 0x500c
        0xed,                                            // in eax, dx
        0x49, 0x89, 0xc6,                                // mov r14, rax
        0x48, 0xbf, 0x00, 0x91, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rdi, -0x7fdf6f00
        0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff,              // mov dword ptr [rdi], 0xfffffffe
        0xc7, 0x47, 0x04, 0x02, 0x00, 0x00, 0x00,        // mov dword ptr [rdi + 0x4], 0x2
        0x66, 0xc7, 0x47, 0x0c, 0x6f, 0x6b,              // mov word ptr [rdi + 0xc], 0x6b6f (flags at +0x8: 0)
        0x66, 0xba, 0x04, 0x50,                          // mov dx, 0x5004
        0xb8, 0x00, 0x91, 0x20, 0x00,                    // mov eax, 0x209100
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x0c, 0x50,                          // mov dx, 0x500c
        0xb8, 0x0e, 0x00, 0x00, 0x00,                    // mov eax, 0xe
        0xef,                                            // out dx, eax
        0x66, 0xba, 0x10, 0x50,                          // mov dx, 0x5010
        0xb8, 0x02, 0x00, 0x00, 0x00,                    // mov eax, 0x2
        0xef,                                            // out dx, eax
        0xb8, 0x77, 0x00, 0x00, 0x00,                    // mov eax, 0x77
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    }).machine();
    RecordingHost host;
    host.expected = machine.get();
    machine->set_harness_host(&host);
    auto const result = machine->run();
    REQUIRE(result.reason == StopReason::PowerOff);
    CHECK(result.guest_status == 0x77);
    auto const regs = machine->registers();
    CHECK(regs.r12 == LKMEMU_HARNESS_ID);
    CHECK(regs.r13 == 0);  // STATUS
    CHECK(regs.r14 == 18); // LENGTH: header + "hi"
    CHECK(host.requests == 1);
    char args[2];
    REQUIRE_FALSE(machine->read_physical(0x209000 + sizeof(lkmemu_harness_request), { reinterpret_cast<uint8_t*>(args), 2 }).is_error());
    CHECK(std::string(args, 2) == "hi");
    CHECK(host.responses == std::vector<std::pair<int32_t, std::string>> { { -2, "ok" } });
}

TEST_CASE("a #PF that cannot push its frame becomes a #DF on its IST stack, with CR2 at the faulting address", "[cpu]")
{
    // A kernel stack overflow as the guest kernel sees one: the stack pointer is in unmapped
    // memory (its guard), the push faults, and delivering that #PF on the same stack faults
    // again. The #DF arrives on IST1 and finds CR2 in the guard: the guest's test for an overflow.
    TestGuest guest({
    // body at +0x100
    Chunk { 0x100, {
        0x48, 0xbc, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, // movabs rsp, 0x5000000
        0x50,                                            // push rax
        0xf4,                                            // hlt
    } },
    Chunk { 0x800, code::page_fault_handler() },
    });
    guest.gate(Gate { 14, 0x800 });
    guest.gate(Gate { 8, double_fault_offset, 0xe, 0, 1 });
    auto machine = guest.machine();
    auto const result = run(*machine);
    REQUIRE(result.reason == StopReason::PowerOff);
    REQUIRE(result.guest_status == 0xdf);
    auto const regs = machine->registers();
    CHECK(regs.cr2 >= 0x5000000 - 48);
    CHECK(regs.cr2 < 0x5000000);
    uint64_t const frame = ist1_top - 48;
    CHECK(read_u64(*machine, frame + 0) == 0);                          // #DF's error code
    CHECK(read_u64(*machine, frame + 8) == text_va + body_offset + 10); // RIP: the push
    CHECK(read_u64(*machine, frame + 32) == 0x5000000);                 // RSP: as before the push
}
