#include "command.h"

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
    auto end_command = [&](size_t end) {
        end_word();
        if (!current.words.empty()) {
            current.text = trim(text.substr(command_start, end - command_start));
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
    return true;
}

} // namespace lkmemu
