#include "test_support.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lkmemu::test {

std::string ko_path(const std::string& module)
{
    return std::string(LKMEMU_MODULES_DIR) + "/" + module + ".ko";
}

std::string object_path(const std::string& module)
{
    return std::string(LKMEMU_MODULE_OBJECTS_DIR) + "/" + module + "/" + module + ".o";
}

ElfFile load_ko(const std::string& module)
{
    return ElfFile(ko_path(module));
}

std::set<std::string> kernel_exports()
{
    std::ifstream in(LKMEMU_SDK_DIR "/kernel-exports.txt");
    if (!in)
        throw std::runtime_error("cannot read kernel-exports.txt");
    std::set<std::string> names;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line.substr(0, line.find('#')));
        std::string name;
        if (words >> name)
            names.insert(name);
    }
    return names;
}

CommandResult run_command(const std::string& command)
{
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        throw std::runtime_error("cannot run " + command);
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        output.append(buffer, n);
    int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

} // namespace lkmemu::test
