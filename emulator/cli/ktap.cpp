#include "ktap.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <optional>

namespace lkmemu::cli {

namespace {

// "ok 3 name", "not ok 2 name", "ok 1 name # SKIP reason".
std::optional<KtapResult> parse_result(std::string_view text)
{
    KtapResult result;
    if (text.starts_with("ok "))
        text.remove_prefix(3);
    else if (text.starts_with("not ok ")) {
        text.remove_prefix(7);
        result.status = KtapStatus::Fail;
    } else
        return std::nullopt;
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0)
        return std::nullopt;
    text.remove_prefix(digits);
    if (text.starts_with(" "))
        text.remove_prefix(1);
    if (size_t const at = text.find(" # SKIP"); at != std::string_view::npos) {
        std::string_view reason = text.substr(at + 7);
        if (reason.starts_with(" "))
            reason.remove_prefix(1);
        result.skip_reason = std::string(reason);
        text = text.substr(0, at);
        if (result.status == KtapStatus::Pass)
            result.status = KtapStatus::Skip;
    }
    result.name = std::string(text);
    return result;
}

// A console line without printk's "[    1.234567] " timestamp.
std::string_view without_timestamp(std::string_view line)
{
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.starts_with("[")) {
        size_t const end = line.find("] ");
        if (end != std::string_view::npos && end < 20)
            line.remove_prefix(end + 2);
    }
    return line;
}

size_t indentation(std::string_view line)
{
    size_t n = 0;
    while (n < line.size() && line[n] == ' ')
        ++n;
    return n;
}

std::string result_line(const KtapResult& result, size_t number)
{
    std::string line = fmt::format("{} {} {}", result.status == KtapStatus::Fail ? "not ok" : "ok", number, result.name);
    if (result.status == KtapStatus::Skip)
        line += " # SKIP" + (result.skip_reason.empty() ? "" : " " + result.skip_reason);
    return line;
}

// Reads one module's KTAP: the top-level header and plan, then suites of indented lines, each
// ended by its result at the top level.
class KtapReader {
public:
    KtapReader(KtapParse& out, const std::string& module) : m_out(out), m_module(module) {}

    void line(std::string_view text)
    {
        size_t const indent = indentation(text);
        std::string_view const content = text.substr(indent);
        if (indent == 0) {
            top_level(content);
            return;
        }
        if (!m_in_document || indent < 4)
            return; // not KTAP: the kernel's own messages
        if (indent == 4 && content.starts_with("KTAP version")) {
            end_suite_unfinished(); // a suite that never ended
            m_suite.emplace();
            m_suite->module = m_module;
        }
        if (!m_suite)
            return;
        m_suite->body.emplace_back(text);
        if (indent == 4) {
            if (content.starts_with("# Subtest: ")) {
                m_suite->result.name = std::string(content.substr(11));
            } else if (auto result = parse_result(content)) {
                m_suite->cases.push_back(KtapCase {std::move(*result), std::move(m_log), std::move(m_params)});
                m_log.clear();
                m_params.clear();
            } else if (!content.starts_with("KTAP version") && !content.starts_with("1..")) {
                m_log.emplace_back(content);
            }
        } else if (indent == 8 && parse_result(content)) {
            m_params.push_back(*parse_result(content));
        } else if (!(indent == 8 && (content.starts_with("KTAP version") || content.starts_with("# Subtest: ")))) {
            m_log.emplace_back(text.substr(4));
        }
    }

    void finish()
    {
        end_suite_unfinished();
        if (m_in_document && m_out.suites.size() < m_out.planned)
            m_out.complete = false;
    }

private:
    void top_level(std::string_view content)
    {
        if (content.starts_with("KTAP version")) {
            m_in_document = true;
            return;
        }
        if (!m_in_document)
            return;
        if (content.starts_with("1..")) {
            size_t planned = 0;
            std::from_chars(content.data() + 3, content.data() + content.size(), planned);
            m_out.planned += planned;
        } else if (auto result = parse_result(content)) {
            if (!m_suite)
                return;
            m_suite->result = std::move(*result);
            m_out.suites.push_back(std::move(*m_suite));
            m_suite.reset();
        } else if (content.starts_with("# ") && m_suite) {
            m_suite->body.emplace_back(content); // the suite's statistics line
        }
    }

    void end_suite_unfinished()
    {
        if (!m_suite)
            return;
        m_suite->result.status = KtapStatus::Fail;
        m_suite->diagnostics.push_back(fmt::format("{}: the suite stopped before its result", m_suite->result.name));
        m_out.suites.push_back(std::move(*m_suite));
        m_suite.reset();
        m_out.complete = false;
    }

    KtapParse& m_out;
    const std::string& m_module;
    bool m_in_document = false;
    std::optional<KtapSuite> m_suite;
    std::vector<std::string> m_log;
    std::vector<KtapResult> m_params;
};

} // namespace

const char* ktap_status_name(KtapStatus status)
{
    switch (status) {
    case KtapStatus::Pass: return "pass";
    case KtapStatus::Fail: return "fail";
    case KtapStatus::Skip: return "skip";
    }
    return "?";
}

KtapParse parse_ktap_log(std::string_view log, const std::string& module)
{
    KtapParse parse;
    KtapReader reader(parse, module);
    while (!log.empty()) {
        size_t const end = log.find('\n');
        reader.line(without_timestamp(log.substr(0, end)));
        if (end == std::string_view::npos)
            break;
        log.remove_prefix(end + 1);
    }
    reader.finish();
    return parse;
}

KtapSuite failed_module_suite(const std::string& module, const std::string& name, std::vector<std::string> diagnostics)
{
    KtapSuite suite;
    suite.module = module;
    suite.result = KtapResult {name, KtapStatus::Fail, {}};
    suite.diagnostics = std::move(diagnostics);
    return suite;
}

KtapTotals count_totals(const std::vector<KtapSuite>& suites)
{
    KtapTotals totals;
    for (const KtapSuite& suite : suites) {
        bool case_failed = false;
        for (const KtapCase& test_case : suite.cases) {
            switch (test_case.result.status) {
            case KtapStatus::Pass: ++totals.pass; break;
            case KtapStatus::Skip: ++totals.skip; break;
            case KtapStatus::Fail:
                ++totals.fail;
                case_failed = true;
                break;
            }
        }
        if (suite.result.status == KtapStatus::Fail && !case_failed)
            ++totals.fail; // failed outside its cases: suite_init, a crash, a hang
    }
    return totals;
}

std::string merge_ktap(const std::vector<KtapSuite>& suites)
{
    std::string out = fmt::format("KTAP version 1\n1..{}\n", suites.size());
    for (size_t i = 0; i < suites.size(); ++i) {
        const KtapSuite& suite = suites[i];
        for (const std::string& line : suite.body)
            out += line + "\n";
        for (const std::string& line : suite.diagnostics)
            out += "# " + line + "\n";
        out += result_line(suite.result, i + 1) + "\n";
    }
    return out;
}

std::string totals_line(const KtapTotals& t)
{
    return fmt::format("# Totals: pass:{} fail:{} skip:{} total:{}", t.pass, t.fail, t.skip, t.total());
}

nlohmann::json ktap_json(const std::vector<KtapSuite>& suites)
{
    nlohmann::json out = nlohmann::json::object();
    nlohmann::json& list = out["suites"] = nlohmann::json::array();
    auto result_json = [](const KtapResult& result) {
        nlohmann::json j = {{"name", result.name}, {"status", ktap_status_name(result.status)}};
        if (result.status == KtapStatus::Skip)
            j["skip_reason"] = result.skip_reason;
        return j;
    };
    for (const KtapSuite& suite : suites) {
        nlohmann::json j = result_json(suite.result);
        j["module"] = suite.module;
        j["diagnostics"] = suite.diagnostics;
        nlohmann::json& cases = j["cases"] = nlohmann::json::array();
        for (const KtapCase& test_case : suite.cases) {
            nlohmann::json c = result_json(test_case.result);
            c["log"] = test_case.log;
            if (!test_case.params.empty()) {
                c["params"] = nlohmann::json::array();
                for (const KtapResult& param : test_case.params)
                    c["params"].push_back(result_json(param));
            }
            cases.push_back(std::move(c));
        }
        list.push_back(std::move(j));
    }
    KtapTotals const totals = count_totals(suites);
    out["totals"] = {{"pass", totals.pass}, {"fail", totals.fail}, {"skip", totals.skip}, {"total", totals.total()}};
    return out;
}

} // namespace lkmemu::cli
