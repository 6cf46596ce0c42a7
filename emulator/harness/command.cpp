#include "command.h"

#include "guest_requests.h"

#include <fmt/format.h>

namespace lkmemu {

namespace {

std::string trim(std::string_view s)
{
    size_t begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos)
        return {};
    size_t end = s.find_last_not_of(" \t\r");
    return std::string(s.substr(begin, end - begin + 1));
}

// `expect ERRNO|fail COMMAND...`: takes the first two words off into command.expect.
bool take_expectation(Command& command, CommandParseError& error)
{
    if (command.words.front() != "expect")
        return true;
    if (command.words.size() < 3) {
        error.message = fmt::format("{}: usage: expect ERRNO|fail COMMAND (e.g. expect EEXIST insmod hello.ko)",
                                    command.text);
        return false;
    }
    const std::string& how = command.words[1];
    Expectation expect;
    if (how != "fail") {
        std::optional<int> value = errno_from_name(how);
        if (!value) {
            error.message = fmt::format("{}: expect: '{}' is no errno name (EEXIST, ENOENT ...) nor 'fail'",
                                        command.text, how);
            return false;
        }
        expect.errno_value = *value;
    }
    command.expect = expect;
    command.words.erase(command.words.begin(), command.words.begin() + 2);
    return true;
}

} // namespace

bool parse_commands(std::string_view text, std::vector<Command>& out, CommandParseError& error)
{
    Command current;
    std::string word;
    bool in_word = false;
    char quote = 0;
    size_t command_start = 0;

    auto end_word = [&] {
        if (in_word)
            current.words.push_back(std::move(word));
        word.clear();
        in_word = false;
    };
    bool failed = false;
    auto end_command = [&](size_t end) {
        end_word();
        if (!current.words.empty() && !failed) {
            current.text = trim(text.substr(command_start, end - command_start));
            if (!take_expectation(current, error))
                failed = true;
            else
                out.push_back(std::move(current));
        }
        current = {};
        command_start = end + 1;
    };

    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size())
                word += text[++i];
            else
                word += c;
            continue;
        }
        switch (c) {
        case '\'':
        case '"':
            quote = c;
            in_word = true;
            break;
        case '\\':
            if (i + 1 < text.size())
                word += text[++i];
            in_word = true;
            break;
        case ' ':
        case '\t':
        case '\r':
            end_word();
            break;
        case ';':
        case '\n':
            end_command(i);
            break;
        case '#':
            if (!in_word) {
                size_t newline = text.find('\n', i);
                size_t stop = newline == std::string_view::npos ? text.size() : newline;
                end_command(i);
                command_start = stop + 1;
                i = stop;
                break;
            }
            word += c;
            break;
        default:
            word += c;
            in_word = true;
        }
    }
    if (quote) {
        error.message = std::string("unterminated ") + (quote == '"' ? "double" : "single") + " quote";
        return false;
    }
    end_command(text.size());
    return !failed;
}

void apply_expectation(CommandResult& result)
{
    if (!result.expect)
        return;
    int const wanted = result.expect->errno_value;
    if (result.ok) {
        result.ok = false;
        result.error = fmt::format("lkmemu: {}: expected to fail{}, but it succeeded", result.command,
                                   wanted ? " with " + errno_name(wanted) : "");
        return;
    }
    if (wanted == 0 || result.status == -wanted) {
        result.ok = true;
        return;
    }
    result.error += fmt::format("\nlkmemu: {}: expected {}, but it failed with {}", result.command, errno_name(wanted),
                                result.status < 0 ? errno_name(-result.status) : "no errno (refused by the host)");
}

std::string expectation_text(const Expectation& expect)
{
    return expect.errno_value ? errno_name(expect.errno_value) : "fail";
}

} // namespace lkmemu
