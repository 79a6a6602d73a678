// JUnit XML (see junit.h): escaping, counts, and the testcase of a scenario run.
#include "harness/scenario/junit.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mgm::harness::scenario {

namespace {

// Text and attribute values: the five XML entities, and the control characters XML 1.0 cannot carry
// (replaced by '?'; tab, newline and carriage return stay).
std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
            else out += c;
        }
    }
    return out;
}

std::string seconds_text(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
    return buffer;
}

// The report's "expected vs actual" line: the first line that is not the location, the note or the time.
std::string headline(const std::string& report) {
    std::istringstream lines(report);
    std::string location;
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        line = line.substr(first);
        if (line.rfind("at ", 0) == 0) {
            if (location.empty()) location = line.substr(3, line.find(": ") == std::string::npos ? std::string::npos
                                                                                               : line.find(": ") - 3);
            continue;
        }
        if (line.rfind("as written:", 0) == 0 || line.rfind("note:", 0) == 0 || line.rfind("simulated time:", 0) == 0)
            continue;
        return location.empty() ? line : location + ": " + line;
    }
    return location.empty() ? "failed" : location;
}

const char* kind_name(FailureKind kind) {
    switch (kind) {
    case FailureKind::none: return "failure";
    case FailureKind::step: return "step";
    case FailureKind::invariant: return "invariant";
    case FailureKind::internal: return "internal";
    }
    return "failure";
}

}  // namespace

JunitTestcase junit_testcase(const RunResult& result, const std::string& reproduce, double seconds) {
    JunitTestcase testcase;
    testcase.classname = "scenarios";
    testcase.name = result.scenario_name;
    testcase.file = result.file;
    testcase.seconds = seconds;
    testcase.outcome = result.passed ? JunitTestcase::Outcome::passed
                       : result.failure_kind == FailureKind::internal ? JunitTestcase::Outcome::error
                                                                      : JunitTestcase::Outcome::failed;
    if (!result.passed) {
        testcase.message = headline(result.failure);
        testcase.type = kind_name(result.failure_kind);
        testcase.details = result.failure;
    }
    testcase.properties = {{"seed", std::to_string(result.seed)}, {"reproduce", reproduce}};
    if (!result.digest.empty()) testcase.properties.emplace_back("digest", result.digest);
    testcase.system_out = "reproduce: " + reproduce + "\n";
    if (!result.digest.empty())
        testcase.system_out += "trace digest: " + result.digest + " (" + std::to_string(result.trace_records) +
                               " records, seed " + std::to_string(result.seed) + ")\n";
    for (const auto& deviation : result.known_deviations) testcase.system_out += "known deviation: " + deviation + "\n";
    return testcase;
}

std::string junit_xml(const std::string& suite, const std::vector<JunitTestcase>& cases) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    double total = 0;
    for (const auto& c : cases) {
        failures += c.outcome == JunitTestcase::Outcome::failed;
        errors += c.outcome == JunitTestcase::Outcome::error;
        skipped += c.outcome == JunitTestcase::Outcome::skipped;
        total += c.seconds;
    }
    std::ostringstream counts;
    counts << "tests=\"" << cases.size() << "\" failures=\"" << failures << "\" errors=\"" << errors
           << "\" skipped=\"" << skipped << "\" time=\"" << seconds_text(total) << "\"";
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << "<testsuites name=\"" << xml_escape(suite) << "\" " << counts.str() << ">\n";
    out << "  <testsuite name=\"" << xml_escape(suite) << "\" " << counts.str() << ">\n";
    for (const auto& c : cases) {
        out << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\"" << xml_escape(c.name) << "\"";
        if (!c.file.empty()) out << " file=\"" << xml_escape(c.file) << "\"";
        out << " time=\"" << seconds_text(c.seconds) << "\">\n";
        if (!c.properties.empty()) {
            out << "      <properties>\n";
            for (const auto& [name, value] : c.properties)
                out << "        <property name=\"" << xml_escape(name) << "\" value=\"" << xml_escape(value) << "\"/>\n";
            out << "      </properties>\n";
        }
        const char* element = c.outcome == JunitTestcase::Outcome::failed    ? "failure"
                               : c.outcome == JunitTestcase::Outcome::error   ? "error"
                               : c.outcome == JunitTestcase::Outcome::skipped ? "skipped"
                                                                              : nullptr;
        if (element) {
            out << "      <" << element << " message=\"" << xml_escape(c.message) << "\"";
            if (!c.type.empty()) out << " type=\"" << xml_escape(c.type) << "\"";
            out << ">" << xml_escape(c.details) << "</" << element << ">\n";
        }
        if (!c.system_out.empty()) out << "      <system-out>" << xml_escape(c.system_out) << "</system-out>\n";
        out << "    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

void write_junit_file(const std::string& path, const std::string& suite, const std::vector<JunitTestcase>& cases) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write JUnit report " + path);
    out << junit_xml(suite, cases);
    if (!out.flush()) throw std::runtime_error("cannot write JUnit report " + path);
}

}  // namespace mgm::harness::scenario
