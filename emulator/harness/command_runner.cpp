#include "command_runner.h"

#include "guest_requests.h"

#include <lkmemu/harness.h>

namespace lkmemu {

namespace {

std::vector<uint8_t> poweroff_request()
{
    // Cannot fail: a request without arguments or data is far below the harness's limit.
    return encode_request(GuestRequest { LKMEMU_HARNESS_OP_POWEROFF, 0, {}, {} }).release_value();
}

} // namespace

CommandRunner::CommandRunner(std::vector<Command> commands)
    : m_pending(std::move(commands))
{
}

const KernelSymbols& CommandRunner::kernel_symbols()
{
    if (!m_kernel_symbols)
        m_kernel_symbols = KernelSymbols::read(m_kernel_path);
    return *m_kernel_symbols;
}

std::optional<Command> CommandRunner::take_next_command()
{
    if (m_next < m_pending.size())
        return m_pending[m_next++];
    while (m_source) {
        std::optional<std::string> line = m_source();
        if (!line)
            return std::nullopt;
        std::vector<Command> parsed;
        CommandParseError error;
        if (!parse_commands(*line, parsed, error)) {
            CommandResult result;
            result.command = *line;
            result.ran = true;
            result.error = "lkmemu: " + error.message;
            m_results.push_back(result);
            finish(m_results.back());
            if (m_powered_off)
                return std::nullopt;
            continue;
        }
        if (parsed.empty())
            continue;
        // A console line may hold several commands: queue them all.
        m_pending.insert(m_pending.end(), parsed.begin(), parsed.end());
        return m_pending[m_next++];
    }
    return std::nullopt;
}

bool CommandRunner::sleeping(const Machine& machine) const
{
    return m_sleep_until_ns && machine.guest_time_ns() < *m_sleep_until_ns;
}

std::vector<uint8_t> CommandRunner::next_request(Machine& machine)
{
    for (;;) {
        if (auto request = try_next_request(machine))
            return std::move(*request);
        machine.advance_guest_time(*m_sleep_until_ns - machine.guest_time_ns());
    }
}

std::optional<std::vector<uint8_t>> CommandRunner::try_next_request(Machine& machine)
{
    if (m_in_flight)
        abandon_in_flight(machine);
    if (sleeping(machine))
        return std::nullopt;
    m_sleep_until_ns.reset();
    m_machine = &machine;
    while (!m_powered_off) {
        std::optional<Command> command = take_next_command();
        if (!command)
            break;
        CommandResult result;
        result.command = command->text;
        result.ran = true;
        auto parsed = parse_command(*command);
        std::optional<std::vector<uint8_t>> request;
        if (parsed.is_error())
            result.error = parsed.error().message;
        else {
            result.expect = command->expect;
            request = start(*parsed.value(), result);
        }
        m_results.push_back(std::move(result));
        if (request) {
            m_in_flight = InFlight { parsed.release_value(), m_results.size() - 1, std::chrono::steady_clock::now(),
                                     machine.guest_instructions(), machine.guest_time_ns() };
            m_machine = nullptr;
            return std::move(*request);
        }
        finish(m_results.back());
        if (sleeping(machine)) {
            m_machine = nullptr;
            return std::nullopt;
        }
    }
    m_machine = nullptr;
    m_powered_off = true;
    return poweroff_request();
}

std::optional<std::vector<uint8_t>> CommandRunner::start(HarnessCommand& command, CommandResult& result)
{
    std::optional<GuestRequest> request = command.start(*this, result);
    if (!request)
        return std::nullopt;
    auto encoded = encode_request(*request);
    if (encoded.is_error()) {
        result.error = "lkmemu: " + encoded.error().message;
        return std::nullopt;
    }
    m_request_data = std::move(request->data);
    return encoded.release_value();
}

void CommandRunner::on_answer(Machine& machine, int32_t status, uint32_t flags, std::string_view text)
{
    if (!m_in_flight)
        return; // a response nobody asked for: the guest's init misbehaved; ignore it
    InFlight in_flight = std::move(*m_in_flight);
    m_in_flight.reset();
    CommandResult& result = m_results[in_flight.result];
    result.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - in_flight.started).count();
    result.guest_instructions = machine.guest_instructions() - in_flight.started_instructions;
    in_flight.command->finish(status, flags, text, result);
    finish(result);
}

// init reads its next request only after answering the last one, so a request asked for while a
// command is in flight means its answer will never come: the system call init made for it did not
// return to init (a module's exit that jumped elsewhere). The command ends here, failed, so no
// result is lost and the next command is not confused with it.
void CommandRunner::abandon_in_flight(Machine& machine)
{
    InFlight in_flight = std::move(*m_in_flight);
    m_in_flight.reset();
    CommandResult& result = m_results[in_flight.result];
    result.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - in_flight.started).count();
    result.guest_instructions = machine.guest_instructions() - in_flight.started_instructions;
    result.ok = false;
    result.error = "no answer: the guest asked for its next request instead (the system call for this command never "
                   "returned to init)";
    finish(result);
}

void CommandRunner::finish(CommandResult& result)
{
    apply_expectation(result);
    if (m_sink)
        m_sink(result);
    if (!result.ok && m_stop_on_error) {
        m_powered_off = true;
        m_stopped_on_error = true;
    }
}

std::vector<CommandResult> CommandRunner::results() const
{
    std::vector<CommandResult> all = m_results;
    if (m_in_flight)
        all[m_in_flight->result].error = "the machine stopped while the guest was running this command";
    for (size_t i = m_next; i < m_pending.size(); ++i) {
        CommandResult not_run;
        not_run.command = m_pending[i].text;
        not_run.error = m_stopped_on_error ? "not run: an earlier command failed (--stop-on-error)"
                                           : "not run: the machine stopped first";
        all.push_back(not_run);
    }
    return all;
}

std::optional<CommandRunner::Running> CommandRunner::running() const
{
    if (!m_in_flight)
        return std::nullopt;
    return Running { m_in_flight->result, m_in_flight->started_ns, m_in_flight->started_instructions };
}

bool CommandRunner::all_succeeded() const
{
    for (const CommandResult& result : results())
        if (!result.ok)
            return false;
    return true;
}

} // namespace lkmemu
