// "#!" scripts (Linux's fs/binfmt_script.c): the first line of the file names an interpreter
// and at most one argument; exec then runs the interpreter with the script's path in place of
// argv[0] (fs/exec.cpp). Pure parsing here, so that the host tests it too (tests/kernel/).
#include <lkmemu/errno.h>
#include <kernel/binfmts.h>

namespace {

bool spacetab(char c) { return c == ' ' || c == '\t'; }

} // namespace

lkm::ErrorOr<bool> parse_script_header(const char* buf, size_t size, script_interp* out)
{
    if (size < 2 || buf[0] != '#' || buf[1] != '!')
        return false;
    // Linux reads BINPRM_BUF_SIZE bytes: a line must end within them, unless what is there
    // already holds the whole interpreter name (then the rest of the line is cut off).
    size_t end = size < BINPRM_BUF_SIZE ? size : BINPRM_BUF_SIZE;
    size_t line_end = 2;
    while (line_end < end && buf[line_end] != '\n')
        line_end++;
    size_t i = 2;
    while (i < line_end && spacetab(buf[i]))
        i++;
    size_t name = i;
    while (i < line_end && !spacetab(buf[i]) && buf[i])
        i++;
    size_t name_end = i;
    if (name_end == name)
        return lkm::Error::from_errno(LKM_ENOEXEC, "#! without an interpreter");
    if (line_end == end && end == BINPRM_BUF_SIZE && name_end == end)
        return lkm::Error::from_errno(LKM_ENOEXEC, "#! interpreter name longer than the header");
    while (i < line_end && spacetab(buf[i]))
        i++;
    size_t arg = i;
    size_t arg_end = line_end;
    while (arg_end > arg && (spacetab(buf[arg_end - 1]) || buf[arg_end - 1] == '\r' || !buf[arg_end - 1]))
        arg_end--;
    // Linux keeps the rest of the line as one argument, spaces included.
    out->name = buf + name;
    out->name_len = name_end - name;
    out->arg = buf + arg;
    out->arg_len = arg_end - arg;
    return true;
}
